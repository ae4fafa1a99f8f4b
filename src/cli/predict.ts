/**
 * `npm run predict -- --model OUT --data DIR ...`: imports a model `npm run train` wrote (or a RUN a
 * PyTorch job wrote, converted in Node to the studio's model first), scores it
 * on every image/mask pair of DIR (no split) at the model's size and at each photo's own size (its
 * map upscaled bilinearly and edge-aware), and writes full-size masks and soft-edged cut-outs for
 * every photo on request.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePredictArgs } from './args';
import { checkDataDir, loadModelFiles, prepareOutDir, relativeTo, writeJson } from './files';
import { runMain } from './main';
import { ProgressLine, showIngestProgress } from './progress';
import { withStudio } from './headlessStudio';
import { isRunFolder, runModelFiles } from './runFolder';

/** Where the PNG of `file` goes: its path inside DIR, as .png. */
function pngPath(dir: string, file: string): string {
  const target = path.join(dir, file.replace(/\.[^./]+$/, '') + '.png');
  mkdirSync(path.dirname(target), { recursive: true });
  return target;
}

const RENDER_CHUNK = 8;

async function main(): Promise<void> {
  const args = parsePredictArgs(process.argv.slice(2));
  const dataDir = checkDataDir(args.data);
  const model = isRunFolder(args.model) ? await runModelFiles(args.model) : loadModelFiles(args.model);
  const masksDir = args.masks ? prepareOutDir(args.masks, '--masks') : null;
  const cutoutsDir = args.cutouts ? prepareOutDir(args.cutouts, '--cutouts') : null;
  const reportFile = path.resolve(args.report ?? path.join(model.dir, 'predict.json'));
  const relative = relativeTo(path.basename(dataDir));
  const line = new ProgressLine();

  await withStudio(
    {
      log: (message) => line.log(message),
      onEvent: (event) => showIngestProgress(line, event),
    },
    async (studio) => {
      await studio.page.setInputFiles('#data', dataDir);
      const choice = await studio.call('init', args.backend);
      line.log(`backend: ${choice.reason}`);
      line.log(await studio.call('importFiles', model.files));
      // Every pair goes to the "test" split: the studio's own loader, at the model's input size.
      const ingest = await studio.call('ingestFromInput', {
        label: `folder ${path.basename(dataDir)}`,
        height: model.height,
        width: model.width,
        ratios: { train: 0, val: 0, test: 1 },
        seed: 1,
      });
      line.end();
      const options = { model: 'imported' as const, flipTta: args.flipTta, threshold: args.threshold };
      let report: Record<string, unknown> = {
        model: path.resolve(args.model),
        data: dataDir,
        size: [model.height, model.width],
        threshold: args.threshold,
        flipTta: args.flipTta,
        backend: choice.backend,
        pairs: 0,
      };
      if (ingest.summary.pairs > 0) {
        const scored = await studio.call('evaluateInput', { ...options, height: model.height, width: model.width });
        const { dice, iou, precision, recall, accuracy } = scored.mean;
        report = {
          ...report,
          pairs: scored.pairs,
          dice,
          iou,
          precision,
          recall,
          accuracy,
          msPerImage: scored.msPerImage,
          perImage: scored.perImage.map((m) => ({
            file: relative(m.file),
            dice: m.dice,
            iou: m.iou,
            precision: m.precision,
            recall: m.recall,
            accuracy: m.accuracy,
            photo: m.photo,
          })),
          // The same predictions at each photo's own size: the map upscaled bilinearly, and edge-aware (guided filter).
          photo: scored.photo,
          skipped: [...ingest.skipped, ...scored.skipped].map((s) => ({ file: relative(s.file), reason: s.reason })),
        };
        process.stdout.write(
          `${scored.pairs} pairs at ${model.height}x${model.width}: dice ${dice.toFixed(4)}, iou ${iou.toFixed(4)}, precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, accuracy ${accuracy.toFixed(4)} (${args.flipTta ? 'with flip TTA, ' : ''}${scored.msPerImage.toFixed(1)} ms/image)\n` +
            `at the photos' own size: dice ${scored.photo.bilinear.dice.toFixed(4)} bilinear, ${scored.photo.guided.dice.toFixed(4)} guided; ` +
            `iou ${scored.photo.bilinear.iou.toFixed(4)} bilinear, ${scored.photo.guided.iou.toFixed(4)} guided (upscaling ${scored.photo.msPerImage.guided.toFixed(1)} ms/image guided)\n`,
        );
      } else {
        line.log(
          `no image/mask pairs in ${args.data}: nothing to score${masksDir || cutoutsDir ? '; writing masks and cut-outs only' : ' (give --masks or --cutouts to write predictions)'}`,
        );
      }

      if (masksDir || cutoutsDir) {
        let written = 0;
        const errors: string[] = [];
        for (let from = 0, total = Infinity; from < total; from += RENDER_CHUNK) {
          const chunk = await studio.call('renderInput', { ...options, masks: Boolean(masksDir), cutouts: Boolean(cutoutsDir), from, count: RENDER_CHUNK });
          total = chunk.total;
          for (const image of chunk.images) {
            const file = relative(image.file);
            if (image.error) errors.push(image.error);
            if (image.maskPng && masksDir) writeFileSync(pngPath(masksDir, file), Buffer.from(image.maskPng, 'base64'));
            if (image.cutoutPng && cutoutsDir) writeFileSync(pngPath(cutoutsDir, file), Buffer.from(image.cutoutPng, 'base64'));
            if (!image.error) written++;
          }
          line.update(Math.min(1, (from + RENDER_CHUNK) / total), `masks and cut-outs ${Math.min(from + RENDER_CHUNK, total)}/${total}`, NaN);
        }
        line.end();
        report = { ...report, written, ...(errors.length && { renderErrors: errors }) };
        const what = [masksDir && `masks to ${masksDir}`, cutoutsDir && `cut-outs to ${cutoutsDir}`].filter(Boolean).join(' and ');
        line.log(`wrote ${what} for ${written} photo${written === 1 ? '' : 's'}`);
        for (const error of errors) line.log(`  could not predict ${error}`);
      }
      if (ingest.summary.pairs > 0 || args.report) {
        writeJson(reportFile, report);
        line.log(`wrote ${reportFile}`);
      }
    },
  );
}

runMain(main);
