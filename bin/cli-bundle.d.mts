/** Types of bin/cli-bundle.mjs (plain JavaScript, so the launcher runs it without tsx). */
export declare const PACKAGE_ROOT: string;
export declare const BUNDLE_DIR: string;
export declare const MANIFEST_FILE: string;
export declare const MANIFEST_SCHEMA: string;

/** What scripts/build-cli.ts writes beside the bundle. */
export interface BundleManifest {
  readonly schema: string;
  /** The entry module, relative to the bundle directory. */
  readonly entry: string;
  /** Every file the build wrote, relative to the bundle directory. */
  readonly files: readonly string[];
  /** SHA-256 (hex) of every file the bundle was built from, by path relative to the root. */
  readonly inputs: Readonly<Record<string, string>>;
}

export type BundleCheck = { readonly fresh: true; readonly entry: string } | { readonly fresh: false; readonly reason: string };

export declare function hashFile(path: string): string;
export declare function checkBundle(root?: string, dir?: string): BundleCheck;
