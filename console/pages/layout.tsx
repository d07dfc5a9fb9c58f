/**
 * The frame of every page: navigation, the stylesheet, and the page's own scripts (files of the
 * console only: the Content-Security-Policy allows no inline script or style). Hono's JSX escapes
 * every interpolated value, so text from a SaaS API can never become markup.
 */
import type { Child } from 'hono/jsx';

export type Section = 'connectors' | 'people' | 'changes' | 'insights' | 'review';

const SECTIONS: readonly { readonly id: Section; readonly label: string; readonly href: string }[] = [
  { id: 'connectors', label: 'Connectors', href: '/' },
  { id: 'people', label: 'People', href: '/people' },
  { id: 'changes', label: 'Changes', href: '/changes' },
  { id: 'insights', label: 'Insights', href: '/insights' },
  { id: 'review', label: 'Access review', href: '/review' },
];

export interface LayoutProps {
  readonly title: string;
  readonly section: Section | null;
  /** Where the inventory is read from (the embedded store's directory, or a table). */
  readonly source: string;
  readonly scripts?: readonly string[];
  readonly children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Rollcall`}</title>
        <link rel="stylesheet" href="/assets/console.css" />
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer></script>
        ))}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            Rollcall
          </a>
          <nav>
            {SECTIONS.map((section) => (
              <a href={section.href} class={section.id === props.section ? 'current' : undefined} aria-current={section.id === props.section ? 'page' : undefined}>
                {section.label}
              </a>
            ))}
          </nav>
          <span class="source" title="where this console reads the inventory">
            {props.source} · read-only
          </span>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
