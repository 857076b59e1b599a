/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`): where the
 * process's samples went, by function (self time) and by source file.
 *
 *   deno run -A bench/profile_summary.ts bench/out/CPU.*.cpuprofile [top=25]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const file = shortUrl(frame.url);
    const name = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(file || frame.functionName, (byFile.get(file || frame.functionName) ?? 0) + us);
  }
  const lines = [`profile: ${(total / 1e6).toFixed(2)} s of samples`];
  const list = (title: string, map: Map<string, number>) => {
    lines.push(title);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      lines.push(`  ${(100 * us / total).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  list("self time by function:", byFunction);
  list("self time by file:", byFile);
  return lines.join("\n");
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/node_modules\/\.deno\//, "npm:")
    .replace(/^file:\/\/\/work\/main\//, "")
    .replace(/^ext:/, "ext:");
}

if (import.meta.main) {
  const [file, top] = Deno.args;
  const profile = JSON.parse(await Deno.readTextFile(file)) as Profile;
  console.log(summarise(profile, Number(top ?? 25)));
}
