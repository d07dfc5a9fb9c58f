/**
 * Peak resident memory of this process: RSS sampled every `intervalMs`, and the kernel's own
 * high-water mark (`resourceUsage().maxRSS`), which also catches peaks between samples, when a
 * long synchronous step (the diff of a large workspace) keeps the timer from firing.
 */

const MB = 1024 * 1024;

export interface MemorySampler {
  /** The highest RSS so far, in MB. */
  peakMb(): number;
  stop(): void;
}

export function startMemorySampler(intervalMs = 50): MemorySampler {
  let sampledPeak = process.memoryUsage.rss();
  const sample = () => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakMb() {
      sample();
      // maxRSS is in kilobytes.
      return round(Math.max(sampledPeak, process.resourceUsage().maxRSS * 1024) / MB);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export function currentRssMb(): number {
  return round(process.memoryUsage.rss() / MB);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
