"""The PyTorch mirror against the studio: counts, forward equality with tfjs, DDP, run files, --eval.

    /usr/bin/python3 -m unittest discover -s src/torch/tests
"""
import csv
import io
import json
import os
import re
import socket
import subprocess
import tempfile
import unittest

import numpy as np
import torch

from fixtures import PYTHON, REPO, SAMPLE, TORCH_DIR, make_run
from studio_torch.data import DataError, SplitData, split_pairs
from studio_torch.loss import hybrid_loss
from studio_torch.metrics import confusion_counts, mean_metrics, per_image_metrics
from studio_torch.models import build_model, count_trainable
from studio_torch.safetensors_io import read_safetensors, write_safetensors
from studio_torch.studio_json import HISTORY_COLUMNS, js_number
from studio_torch.weights import load_weights, save_weights

TRAIN = os.path.join(TORCH_DIR, "train.py")
TORCHRUN = ["/usr/bin/torchrun", "--redirects", "1", "--tee", "1"]  # Debian's torchrun needs both (DESIGN 5b)


def free_port():
    """A free port for torchrun's rendezvous: its default 29500 may be another run's on this machine."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

# From `npx tsx` on buildPreset + countTrainableParams (src/ml/model/build.ts), 2026-12-01.
STUDIO_PARAMS = [("tiny", 32, 48, 72_813), ("tiny", 64, 96, 73_101), ("transunet", 128, 192, 1_920_689),
                 ("transunet", 32, 48, 1_909_169), ("seed-unet", 256, 256, 17_267_393), ("unet", 256, 256, 17_267_393)]


def _text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _json(path):
    return json.loads(_text(path))


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, **kw)


class Counts(unittest.TestCase):
    def test_parameter_counts_equal_the_studio(self):
        for preset, h, w, expected in STUDIO_PARAMS:
            with self.subTest(preset=preset, size=(h, w)):
                self.assertEqual(count_trainable(build_model(preset, height=h, width=w)), expected)


class BenchPeer(unittest.TestCase):
    def test_bench_reference_is_a_thin_entry_over_the_package(self):
        done = run([PYTHON, "bench/reference/train_torch.py", "--presets", "tiny", "--sizes", "32x48", "--warmup", "0", "--steps", "1"])
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout)["results"][0]
        self.assertEqual((result["preset"], result["params"]), ("tiny", 72_813))


class ForwardEqualsTfjs(unittest.TestCase):
    """tfjs writes each preset's weights (layer table's torch part), an input and its logits; torch must agree."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        done = run(["npx", "tsx", "src/torch/tests/tfjs_reference.ts", cls.tmp.name])
        assert done.returncode == 0, done.stderr[-3000:]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_logits_equal_tfjs_within_1e_4(self):
        for preset in ("tiny", "transunet", "seed-unet", "unet"):
            with self.subTest(preset=preset):
                folder = os.path.join(self.tmp.name, preset)
                meta = _json(os.path.join(folder, "meta.json"))
                model = build_model(preset, height=meta["height"], width=meta["width"]).eval()
                self.assertEqual(count_trainable(model), meta["params"])
                load_weights(model, os.path.join(folder, "model.safetensors"))  # refuses a missing/extra/mis-shaped name
                ref = read_safetensors(os.path.join(folder, "io.safetensors"), use_package=False)
                seen = {}
                if hasattr(model, "vit_project"):
                    model.vit_project.register_forward_hook(lambda _m, _i, out: seen.update(vit=out.numpy()))
                with torch.no_grad():
                    logits = model(torch.from_numpy(ref["image"]).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).numpy()
                diff = float(np.abs(logits - ref["logits"]).max())
                vit = float(np.abs(seen["vit"] - ref["vit_project"]).max()) if seen else 0.0
                print(f"\n  {preset} {meta['height']}x{meta['width']}: largest |torch - tfjs| = {diff:.2e} (logits), {vit:.2e} (ViT)", end="")
                self.assertLessEqual(diff, 1e-4)
                self.assertLessEqual(vit, 1e-4)
                self.assertEqual("vit_project" in ref, bool(seen))


class Safetensors(unittest.TestCase):
    def test_numpy_codec_round_trips_and_checks_names(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "w.safetensors")
            model = build_model("tiny")
            save_weights(model, path)
            with open(path, "rb") as f:
                raw = f.read()
            size = int.from_bytes(raw[:8], "little")
            header = json.loads(raw[8:8 + size])
            self.assertEqual(size % 8, 0)
            self.assertEqual(header["inc_conv1.weight"]["shape"], [4, 3, 3, 3])
            self.assertEqual(header["vit_block1.qkv.weight"], {**header["vit_block1.qkv.weight"], "dtype": "F32", "shape": [48, 16]})
            self.assertNotIn("inc_1_bn.num_batches_tracked", header)
            back = read_safetensors(path, use_package=False)
            for k, v in model.state_dict().items():
                if not k.endswith("num_batches_tracked"):
                    np.testing.assert_array_equal(back[k], v.numpy())

    def test_the_studios_reader_reads_the_numpy_writers_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.safetensors")
            tensors = {k: v for k, v in read_safetensors(_weights_of(build_model("tiny"), tmp)).items()}
            write_safetensors(path, tensors, {"preset": "tiny"}, use_package=False)
            done = run(["npx", "tsx", "src/torch/tests/tfjs_reference.ts", "--read", path])
            self.assertEqual(done.returncode, 0, done.stderr[-2000:])
            seen = json.loads(done.stdout.strip().splitlines()[-1])
            self.assertEqual(sorted(seen), sorted(tensors))
            for name, value in tensors.items():
                self.assertEqual(seen[name]["shape"], list(value.shape))
                self.assertAlmostEqual(seen[name]["sum"], float(value.astype(np.float64).sum()), delta=1e-3 * (1 + abs(value).sum()))

    def test_train_refuses_a_bad_weights_file_or_run_file_with_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            make_run(tmp)
            weights = os.path.join(tmp, "model.safetensors")
            good = read_safetensors(weights)
            cases = {
                "missing": ({k: v for k, v in good.items() if k != "up2_2_bn.running_var"}, "up2_2_bn.running_var"),
                "extra": ({**good, "vit_block9.ln1.weight": np.zeros(16, np.float32)}, "vit_block9.ln1.weight"),
                "shape": ({**good, "logits.weight": np.zeros((1, 4), np.float32)}, "logits.weight"),
            }
            for name, (tensors, tensor) in cases.items():
                with self.subTest(case=name):
                    bad = os.path.join(tmp, f"{name}.safetensors")
                    write_safetensors(bad, tensors)
                    done = run([PYTHON, TRAIN, "--run", os.path.join(tmp, "studio.json"), "--weights", bad,
                                "--data", SAMPLE, "--out", os.path.join(tmp, "out")])
                    self.assertEqual(done.returncode, 2, done.stderr)
                    self.assertIn(bad, done.stderr)
                    self.assertIn(tensor, done.stderr)
            studio = _json(os.path.join(tmp, "studio.json"))
            with open(os.path.join(tmp, "v2.json"), "w") as f:
                json.dump({**studio, "version": 2}, f)
            done = run([PYTHON, TRAIN, "--run", os.path.join(tmp, "v2.json"), "--weights", weights, "--data", SAMPLE, "--out", tmp])
            self.assertEqual(done.returncode, 2)
            self.assertIn("v2.json", done.stderr)


class LossMetricsData(unittest.TestCase):
    def test_empty_mask_rule_and_per_image_mean(self):
        logits = torch.tensor([[-5.0, -5.0], [5.0, -5.0], [5.0, 5.0]]).view(3, 1, 1, 2)
        masks = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]).view(3, 1, 1, 2)
        per = per_image_metrics(confusion_counts(logits, masks))
        self.assertEqual(per[0]["dice"], 1.0)  # empty prediction on an empty mask
        self.assertEqual(per[1]["dice"], 0.0)  # something predicted on an empty mask
        self.assertAlmostEqual(per[2]["dice"], 2 / 3)
        self.assertAlmostEqual(mean_metrics(per)["dice"], (1 + 0 + 2 / 3) / 3)

    def test_hybrid_loss_by_hand(self):
        logits, y = torch.tensor([0.0, 2.0]).view(1, 1, 1, 2), torch.tensor([1.0, 0.0]).view(1, 1, 1, 2)
        p = torch.sigmoid(logits).flatten()
        bce = float(-(torch.log(p[0]) + torch.log(1 - p[1])) / 2)
        dice = float((2 * p[0] + 1) / (p.sum() + 1 + 1))
        self.assertAlmostEqual(float(hybrid_loss(logits, y)), 0.2 * bce + 0.8 * (1 - dice), places=6)

    def test_generic_layout_and_split_by_listed_cars(self):
        from PIL import Image
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "images"))
            os.makedirs(os.path.join(tmp, "masks"))
            for stem in ("a", "b", "c"):
                Image.new("RGB", (64, 32), (200, 10, 10)).save(os.path.join(tmp, "images", f"{stem}.jpg"))
                mask = np.zeros((32, 64), np.uint8)
                mask[:, :40] = 255  # 40 of 64 columns: resized to 16 columns (samples at 1.5, 5.5, ...) 10 car columns
                Image.fromarray(mask).save(os.path.join(tmp, "masks", f"{stem}.png"))
            split = {"train": {"groups": ["a", "b"]}, "val": {"groups": []}, "test": {"groups": ["c"]}}
            pairs = split_pairs(tmp, split)
            self.assertEqual([p["stem"] for p in pairs["train"]], ["a", "b"])
            data = SplitData(tmp, pairs["train"], 16, 16)
            self.assertEqual(int(data.masks[0].sum()), 16 * 10)
            with self.assertRaisesRegex(DataError, "car zz"):
                split_pairs(tmp, {**split, "val": {"groups": ["zz"]}})


def _weights_of(model, folder):
    path = os.path.join(folder, "start.safetensors")
    save_weights(model, path)
    return path


def _read(path):
    return read_safetensors(path)


class Ddp(unittest.TestCase):
    """Two gloo ranks share the work, and one step equals a single-process step on the union batch."""

    def test_two_ranks_split_batches_and_step_like_the_union(self):
        # SGD, not Adam: Adam's first step is about lr * sign(g), which turns the float noise in the near-zero
        # gradient of a conv bias under BatchNorm into a full step; SGD shows the gradients themselves agree.
        with tempfile.TemporaryDirectory() as tmp:
            make_run(tmp, batch=4, optimizer="sgd", lr=0.05)
            out = os.path.join(tmp, "run")
            launch = TORCHRUN + ["--master_addr", "127.0.0.1", "--master_port", str(free_port()), "--nproc_per_node", "2"]
            done = run(launch + [TRAIN, "--data", SAMPLE, "--epochs", "1", "--max-steps", "1", "--out", out,
                                 "--run", os.path.join(tmp, "studio.json"), "--weights", os.path.join(tmp, "model.safetensors")])
            self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
            pattern = r"rank (\d)/2: epoch 2: (\d+) batches \(of its shard's (\d+), (\d+) images in all\), \d+ images \(first (\[[^\]]*\])\)"
            seen = {int(r): (int(b), json.loads(first)) for r, b, _, _, first in re.findall(pattern, done.stdout)}
            self.assertEqual(sorted(seen), [0, 1], done.stdout)
            for _, taken, shard, total, _ in re.findall(pattern, done.stdout):
                # Each rank's shard is half the epoch's batches: 32 train images, 4 a batch -> 8 batches, 4 a rank.
                self.assertEqual((int(taken), int(shard), int(total)), (1, 4, 32))
            self.assertFalse(set(seen[0][1]) & set(seen[1][1]), "the ranks took the same images")
            full = _json(os.path.join(out, "studio.json"))
            self.assertEqual(full["history"][-1]["step"], 9)  # the studio's 8 steps + one global step

            # The reference step runs in float64: torch 1.13's float32 CPU BatchNorm backward is itself ~1e-2
            # relative off float64 on this net, while the ranks' BatchNorm sums its statistics in float64.
            model = build_model("tiny").train()
            load_weights(model, os.path.join(tmp, "model.safetensors"))
            model = model.double()
            data = SplitData(SAMPLE, split_pairs(SAMPLE, full["split"])["train"], 32, 48)
            x, y = data.batch(seen[0][1] + seen[1][1])
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            hybrid_loss(model(x.double()), y.double(), full["config"]["loss"]).backward()
            optimizer.step()
            start, ddp, single = _read(os.path.join(tmp, "model.safetensors")), _read(os.path.join(out, "model.safetensors")), {
                k: v.detach().numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
            self.assertGreater(max(float(np.abs(ddp[k] - start[k]).max()) for k in start), 1e-4, "the step changed nothing")
            worst = max((float(np.abs(ddp[k] - single[k]).max()) / max(float(np.abs(single[k]).max()), 1e-12), k) for k in single)
            moved = max((float(np.abs(ddp[k] - single[k]).max()) / max(float(np.abs(single[k] - start[k]).max()), 1e-12), k)
                        for k in single if k.endswith("weight") and single[k].ndim > 1)
            print(f"\n  largest difference relative to the step itself (conv and linear weights): {moved[0]:.1e} ({moved[1]})", end="")
            print(f"\n  DDP (2 gloo ranks) vs one process on the union batch: largest relative difference {worst[0]:.1e} ({worst[1]})", end="")
            self.assertLessEqual(worst[0], 1e-5, worst[1])
            self.assertLessEqual(moved[0], 5e-3, moved[1])


class RunFiles(unittest.TestCase):
    """The continued run's studio.json, history.csv, --resume and --eval, in the studio's formats."""

    def test_numbers_as_javascript_writes_them(self):
        # Node's String(v) for each, checked 2026-12-01.
        cases = {1e-7: "1e-7", 1e-6: "0.000001", 123.0: "123", 1.5e20: "150000000000000000000", 1e21: "1e+21", -0.5: "-0.5"}
        for value, text in cases.items():
            self.assertEqual(js_number(value), text)

    def test_history_resume_and_eval(self):
        with tempfile.TemporaryDirectory() as tmp:
            make_run(tmp, augment=True)
            out = os.path.join(tmp, "run")
            common = ["--data", SAMPLE, "--out", out, "--max-steps", "2", "--run", os.path.join(tmp, "studio.json"),
                      "--weights", os.path.join(tmp, "model.safetensors")]
            first = run([PYTHON, TRAIN, "--epochs", "1"] + common)
            self.assertEqual(first.returncode, 0, first.stderr)
            resumed = run([PYTHON, TRAIN, "--epochs", "2", "--resume"] + common)
            self.assertEqual(resumed.returncode, 0, resumed.stderr)
            self.assertNotIn("epoch 2:", resumed.stdout)  # epoch 2 came from the checkpoint, not again
            studio = _json(os.path.join(out, "studio.json"))
            self.assertEqual((studio["format"], studio["version"]), ("carvana-studio-run", 1))
            self.assertEqual([h["epoch"] for h in studio["history"]], [1, 2, 3])
            self.assertEqual([h["origin"] for h in studio["history"]], ["studio", "torch", "torch"])
            self.assertEqual([h["step"] for h in studio["history"]], [8, 10, 12])
            self.assertEqual(studio["config"]["epochs"], 3)
            export_ts = _text(os.path.join(REPO, "src/ml/io/export.ts"))
            columns = re.findall(r"'(\w+)'", export_ts.split("HISTORY_COLUMNS = [")[1].split("]")[0])
            self.assertEqual(list(HISTORY_COLUMNS), columns)
            rows = list(csv.reader(io.StringIO(_text(os.path.join(out, "history.csv")))))
            self.assertEqual(rows[0], columns)
            self.assertEqual(rows[1], ["1", "8", "0.61", "0.58", "0.42", "0.27", "0.35", "0.6", "0.7", "0.00001", "12", "2.56"])
            self.assertEqual(len(rows), 4)

            done = run([PYTHON, TRAIN, "--eval", SAMPLE, "--weights", os.path.join(out, "model.safetensors")])
            self.assertEqual(done.returncode, 0, done.stderr)
            lines = done.stdout.strip().splitlines()
            self.assertEqual(len(lines), 1, done.stdout)
            scores = json.loads(lines[0])
            self.assertEqual(scores["pairs"], 16)  # the one test car's 16 views
            for key in ("dice", "iou", "precision", "recall"):
                self.assertTrue(0 <= scores[key] <= 1, key)


if __name__ == "__main__":
    unittest.main()
