"""The optimizer's state across the border: Adam's moments leave the studio with the job and come back with the RUN.

    /usr/bin/python3 -m unittest discover -s src/torch/tests -p 'test_optimizer*'
"""
import os
import subprocess
import tempfile
import unittest

import numpy as np
import torch

from fixtures import REPO
from studio_torch.loss import hybrid_loss
from studio_torch.models import build_model
from studio_torch.safetensors_io import read_metadata, read_safetensors, write_safetensors
from studio_torch.trainer import make_optimizer, warmup_cosine_rate, warmup_steps
from studio_torch.weights import WeightsError, load_optimizer, load_weights, save_optimizer

ADAM = {"name": "adam", "learningRate": 0.01, "momentum": 0.9}
# At the same weights tfjs (cpu backend) and torch give the same gradients to about 2e-3 per tensor: the layers
# after the last BatchNorm agree to 2e-6, and each BatchNorm's backward (dy minus its means) keeps only that much
# of float32 sums that cancel (measured by reading tfjs's third gradient out of its moments, 2026-12-01). The third
# update then differs by 1.9e-3 of its size. A state in the wrong layout, a step count off by one (bias correction
# 1 - 0.9^3 against 1 - 0.9^2: 43%) or fresh moments (1.7) move it far more.
UPDATE_TOLERANCE = 1e-2


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def _step(model, optimizer, x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = hybrid_loss(model(x), y)
    loss.backward()
    optimizer.step()


class AdamStateFromTheStudio(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        done = subprocess.run(["npx", "tsx", "src/torch/tests/tfjs_reference.ts", "--adam", cls.tmp.name],
                              cwd=REPO, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_torchs_third_step_from_the_studios_state_lands_where_tfjs_did(self):
        self.assertEqual(read_metadata(self.path("optimizer.safetensors")), {"format": "pt", "optimizer": "adam", "step": "2"})
        io = read_safetensors(self.path("io.safetensors"))
        x = torch.from_numpy(io["image"]).permute(0, 3, 1, 2)
        y = torch.from_numpy(io["mask"]).permute(0, 3, 1, 2)
        before = read_safetensors(self.path("model.safetensors"))
        after = read_safetensors(self.path("after.safetensors"))
        gaps = {}
        for moments in ("studio", "fresh"):
            model = build_model("tiny", height=32, width=48).train()
            load_weights(model, self.path("model.safetensors"))
            optimizer = make_optimizer(model.parameters(), ADAM)
            if moments == "studio":
                load_optimizer(optimizer, model, "adam", self.path("optimizer.safetensors"))
            _step(model, optimizer, x, y)
            torch_update = np.concatenate([(p.detach().numpy() - before[n]).ravel() for n, p in model.named_parameters()])
            tfjs_update = np.concatenate([(after[n] - before[n]).ravel() for n, _ in model.named_parameters()])
            gaps[moments] = float(np.linalg.norm(torch_update - tfjs_update) / np.linalg.norm(tfjs_update))
        print(f"\n  Adam's third step, |torch - tfjs| / |tfjs| over all weights: {gaps['studio']:.2e} from the studio's moments, "
              f"{gaps['fresh']:.2e} from fresh ones", end="")
        self.assertLessEqual(gaps["studio"], UPDATE_TOLERANCE)
        self.assertGreater(gaps["fresh"], 0.1)  # the test can tell: without the state the step is another one

    def test_a_bad_state_file_is_refused_naming_the_file_and_tensor(self):
        model = build_model("tiny", height=32, width=48)
        optimizer = make_optimizer(model.parameters(), ADAM)
        tensors = read_safetensors(self.path("optimizer.safetensors"))
        meta = read_metadata(self.path("optimizer.safetensors"))
        cases = {
            "missing": ({k: v for k, v in tensors.items() if k != "inc_conv1.weight.exp_avg"}, meta, r"tensor inc_conv1\.weight\.exp_avg is missing"),
            "shape": ({**tensors, "inc_conv1.weight.exp_avg": np.zeros((3, 3), np.float32)}, meta, r"inc_conv1\.weight\.exp_avg has shape \[3, 3\]"),
            "extra": ({**tensors, "inc_conv1.weight.velocity": np.zeros(1, np.float32)}, meta, r"inc_conv1\.weight\.velocity is not a adam slot"),
            "optimizer": (tensors, {**meta, "optimizer": "sgd"}, r"holds sgd's state but the run trains with adam"),
        }
        for case, (bad, bad_meta, message) in cases.items():
            with self.subTest(case=case):
                path = os.path.join(self.tmp.name, f"bad-{case}.safetensors")
                write_safetensors(path, bad, bad_meta)
                with self.assertRaisesRegex(WeightsError, rf"bad-{case}\.safetensors.*{message}"):
                    load_optimizer(optimizer, model, "adam", path)


class StateRoundTrip(unittest.TestCase):
    def test_a_run_continued_from_its_saved_state_steps_as_if_never_stopped(self):
        torch.manual_seed(3)
        batches = [(torch.rand(2, 3, 32, 48), (torch.rand(2, 1, 32, 48) > 0.5).float()) for _ in range(3)]
        for name, config in (("adam", ADAM), ("sgd", {"name": "sgd", "learningRate": 0.05, "momentum": 0.9})):
            with self.subTest(optimizer=name), tempfile.TemporaryDirectory() as tmp:
                torch.manual_seed(5)
                straight = build_model("tiny", height=32, width=48).train()
                resumed = build_model("tiny", height=32, width=48).train()
                resumed.load_state_dict(straight.state_dict())
                optimizer = make_optimizer(straight.parameters(), config)
                for x, y in batches[:2]:
                    _step(straight, optimizer, x, y)
                path = os.path.join(tmp, "optimizer.safetensors")
                self.assertTrue(save_optimizer(optimizer, straight, name, path))
                resumed.load_state_dict(straight.state_dict())
                again = make_optimizer(resumed.parameters(), config)
                load_optimizer(again, resumed, name, path)
                for model, opt in ((straight, optimizer), (resumed, again)):
                    _step(model, opt, *batches[2])
                for (n, a), b in zip(_params(straight).items(), _params(resumed).values()):
                    torch.testing.assert_close(b, a, rtol=0, atol=0, msg=f"{name}: {n} after the resumed step")


class WarmupCosineAsTheStudio(unittest.TestCase):
    def test_rates_by_hand(self):
        # 30 steps at 5%: round(1.5) = 2 warm-up steps (JavaScript rounds halves up; Python's round() would give 2 too,
        # but 50 steps give round(2.5) = 3 in JavaScript and 2 in Python).
        self.assertEqual(warmup_steps(30), 2)
        self.assertEqual(warmup_steps(50), 3)
        self.assertEqual(warmup_steps(1), 0)
        # 50 steps, base 0.01, minFactor 0.01: warm-up 0.01 * 1/3, 2/3, 3/3; then the cosine over the other 47 steps,
        # from 0.01 at step 3 to 1e-4 at step 49 and halfway (step 3 + 23) at 1e-4 + 0.5 * 0.0099 * (1 + cos(pi/2)) = 0.00505.
        rates = [warmup_cosine_rate(0.01, s, 50, 0.01) for s in range(50)]
        for got, want in zip(rates[:4], [0.01 / 3, 0.02 / 3, 0.01, 0.01]):
            self.assertAlmostEqual(got, want, places=12)
        self.assertAlmostEqual(rates[26], 0.00505, places=12)
        self.assertAlmostEqual(rates[49], 1e-4, places=12)


if __name__ == "__main__":
    unittest.main()
