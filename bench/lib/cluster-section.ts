// Figure 7 on the cluster (`npm run bench:cluster`) is its own section of BENCHMARKS.md, placed
// right after figure 7: written there by bench/cluster.ts, and carried over as it is when
// `npm run bench` writes the rest of the file again.
export const SECTION_START = '<!-- figure 7 on the cluster: written by npm run bench:cluster -->';
export const SECTION_END = '<!-- end of figure 7 on the cluster -->';

/** The section in `text`, markers included, if there is one. */
export function clusterSection(text: string): string | undefined {
  const start = text.indexOf(SECTION_START);
  if (start < 0) return undefined;
  const end = text.indexOf(SECTION_END, start);
  return end < 0 ? undefined : text.slice(start, end + SECTION_END.length);
}

/** `report` with `section` in place of its own, or right after its figure 7 (before the next `## `). */
export function withClusterSection(report: string, section: string | undefined): string {
  if (!section) return report;
  const own = clusterSection(report);
  if (own) return report.replace(own, section);
  const figure7 = report.indexOf('## 7. Scale-out');
  if (figure7 < 0) return `${report}\n${section}\n`;
  const next = report.indexOf('\n## ', figure7 + 1);
  const at = next < 0 ? report.length : next + 1;
  return `${report.slice(0, at)}${section}\n\n${report.slice(at)}`;
}
