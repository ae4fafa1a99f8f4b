/** Plain-text tables of the bench's figures, for the terminal and for pasting into BENCHMARKS.md. */
import type { BenchReport } from './bench';
import { engineLabel } from './measure';
import type { QualityFigure } from './quality';

/** A Markdown table whose columns are padded, so it reads in a terminal as well as rendered. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const fixed = (value: number | null | undefined, digits = 0) =>
  value == null || !Number.isFinite(value) ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** The longtask API reports only tasks over 50 ms: 0 means none was seen. */
const task = (ms: number) => (ms > 0 ? fixed(ms) : '<50');
const size = ([h, w]: [number, number]) => `${h}x${w}`;

export function renderReport(report: BenchReport): string {
  const parts: string[] = [];
  parts.push(`${report.machine.cpu}, ${report.machine.cores} cores, ${fixed(report.machine.memoryGiB, 1)} GiB; ${report.machine.chromium}; ${report.date}`);
  parts.push(
    `load average at start ${report.machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')}, at end ${report.machine.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')}`,
  );
  if (report.backends.length) {
    parts.push(
      table(
        ['backend', 'started', 'why'],
        report.backends.map((b) => [b.backend, b.started ? 'yes' : 'no', b.reason]),
      ),
    );
  }
  if (report.train.length) {
    parts.push(
      table(
        ['preset', 'size', 'batch', 'backend', 'ms/step', 'images/s', 'steps', 'longest task ms', 'note'],
        report.train.map((t) => [
          t.preset,
          size(t.size),
          String(t.batch),
          engineLabel(t.backend, t.threads ?? 1),
          fixed(t.msPerStep),
          fixed(t.imagesPerSecond, 2),
          String(t.steps),
          task(t.longestTaskMs),
          t.skipped ?? '',
        ]),
      ),
    );
  }
  if (report.inference.length) {
    parts.push(
      table(
        ['preset', 'size', 'backend', 'ms/image', 'with flip TTA', 'images'],
        report.inference.map((i) => [
          i.preset,
          size(i.size),
          engineLabel(i.backend, i.threads ?? 1),
          fixed(i.msPerImage, 1),
          fixed(i.msPerImageFlipTta, 1),
          String(i.images),
        ]),
      ),
    );
  }
  if (report.ingest.length) {
    parts.push(
      table(
        ['dataset', 'pairs', 'source', 'loaded at', 'pairs/s (median)', 'runs', 'peak RSS MiB', 'before MiB'],
        report.ingest.map((i) => [
          i.dataset,
          String(i.pairs),
          i.sourceSize,
          size(i.loadSize),
          fixed(i.pairsPerSecond, 1),
          i.runs.map((r) => r.toFixed(1)).join(', '),
          fixed(i.peakRssMB),
          fixed(i.baselineRssMB),
        ]),
      ),
    );
  }
  if (report.memory) {
    const m = report.memory;
    parts.push(
      table(
        [
          'memory run',
          'steps',
          'epochs',
          'tensors first -> last',
          'tensors at step 10 -> 200',
          'tensor growth',
          'byte growth',
          'growth after epoch 1 (tensors / bytes)',
          'longest task ms',
        ],
        [
          [
            `${m.preset} ${size(m.size)} ${m.backend}`,
            String(m.steps),
            String(m.epochs),
            `${m.first.numTensors} -> ${m.last.numTensors}`,
            `${m.tensorsAtStep10 ?? '-'} -> ${m.tensorsAtStep200 ?? '-'}`,
            String(m.tensorGrowth),
            String(m.byteGrowth),
            `${m.steadyTensorGrowth} / ${m.steadyByteGrowth}`,
            task(m.longestTaskMs),
          ],
        ],
      ),
    );
  }
  if (report.soak) {
    const k = report.soak;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
    const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
    const rest = k.afterRuns.map((m) => `${m.numTensors} / ${m.numBytes} / ${mib(m.heapBytes)}`).join(' -> ');
    parts.push(
      table(
        [
          'soak (worker, after GC)',
          'steps',
          'epochs',
          `heap MiB at step ${k.atBaseline.step} -> ${k.atEnd.step}`,
          'heap growth',
          'tensors',
          'tf bytes growth',
          'at rest after each run (tensors / bytes / heap MiB)',
          's',
        ],
        [
          [
            `${k.preset} ${size(k.size)} ${k.backend}`,
            String(k.steps),
            String(k.epochs),
            `${mib(k.atBaseline.heapBytes)} -> ${mib(k.atEnd.heapBytes)}`,
            percent(k.heapGrowth),
            `${k.atBaseline.numTensors} -> ${k.atEnd.numTensors}`,
            percent(k.byteGrowth),
            rest,
            fixed(k.seconds),
          ],
        ],
      ),
    );
  }
  parts.push(`longest main-thread task while training: ${task(report.longestTaskMs)} ms (PerformanceObserver 'longtask' in the driver page)`);
  if (report.peer && 'skipped' in report.peer) parts.push(`peer: skipped: ${report.peer.skipped}`);
  else if (report.peer) {
    const peer = report.peer;
    parts.push(
      table(
        [`PyTorch ${peer.torch} (${peer.threads} threads, BLAS ${peer.blas ?? 'unknown'})`, 'size', 'params (torch / ours)', 'ms/step', 'images/s'],
        peer.results.map((r) => [
          r.preset,
          size(r.size),
          `${r.params.toLocaleString('en-US')} / ${r.ourParams.toLocaleString('en-US')}${r.paramsMatch ? '' : ' MISMATCH'}`,
          fixed(r.msPerStep),
          fixed(r.imagesPerSecond, 2),
        ]),
      ),
    );
    if (peer.ratios.length) {
      parts.push(
        table(
          ['ours / PyTorch', 'size', 'backend', 'ours ms', 'PyTorch ms', 'ratio'],
          peer.ratios.map((r) => [r.preset, size(r.size), r.backend, fixed(r.oursMs), fixed(r.torchMs), `${r.ratio.toFixed(1)}x`]),
        ),
      );
    }
  }
  if (report.quality) parts.push(renderQuality(report.quality));
  return parts.join('\n\n');
}

/** The quality section: what trained, how far it got, and its scores on the test cars. */
export function renderQuality(q: QualityFigure): string {
  const engine = q.backend === 'wasm' && q.threads ? engineLabel('wasm', q.threads) : q.backend;
  const lines = [
    `quality: ${q.trainCommand}`,
    `  then: ${q.predictCommand}`,
    `  and: ${q.predictFlipTtaCommand}`,
    `  trained ${q.preset} (width ${q.base}) at ${size(q.size)}, batch ${q.batch}, ${q.schedule} from ${q.learningRate}, on ${engine}: ` +
      `${q.steps} steps, ${q.epochs} epochs in ${fixed(q.trainSeconds)} s (${fixed(q.imagesPerSecond, 2)} images/s)`,
    ...(q.recipe ? [`  recipe: ${q.recipe}`] : []),
  ];
  const dice = (s: { dice: number; iou: number } | null | undefined) => (s ? fixed(s.dice, 4) : '-');
  const iou = (s: { dice: number; iou: number } | null | undefined) => (s ? fixed(s.iou, 4) : '-');
  const rows = [
    ['validation, best epoch', fixed(q.valDice.best, 4), '-'],
    ['validation, last epoch', fixed(q.valDice.last, 4), '-'],
    [`test (${q.test?.pairs ?? 0} pairs), model size ${size(q.size)}`, dice(q.test?.model), iou(q.test?.model)],
    ['test, photo size, bilinear', dice(q.test?.photoBilinear), iou(q.test?.photoBilinear)],
    ['test, photo size, edge-aware', dice(q.test?.photoGuided), iou(q.test?.photoGuided)],
    ['test, model size, flip TTA', dice(q.testFlipTta?.model), iou(q.testFlipTta?.model)],
    ['test, photo size, edge-aware, flip TTA', dice(q.testFlipTta?.photoGuided), iou(q.testFlipTta?.photoGuided)],
  ];
  if (q.test) {
    const flipped = q.testFlipTta ? `, ${fixed(q.testFlipTta.model.wrongPixels * 100, 2)}% with flip TTA` : '';
    lines.push(`  wrong pixels on the test cars at the model's size: ${fixed(q.test.model.wrongPixels * 100, 2)}%${flipped}`);
  }
  return [...lines, table(['after ' + `${q.minutes} min`, 'Dice', 'IoU'], rows)].join('\n');
}
