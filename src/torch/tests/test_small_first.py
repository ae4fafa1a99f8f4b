"""Small images first in the PyTorch mirror: a run handed over mid-phase trains its phase as the studio does.

    /usr/bin/python3 -m unittest discover -s src/torch/tests -p 'test_small*'
"""
import json
import os
import subprocess
import tempfile
import unittest

import torch

from fixtures import PYTHON, REPO, SAMPLE, TORCH_DIR, make_run
from studio_torch.ddp import Dist
from studio_torch.models import PositionEmbedding, build_model
from studio_torch.studio_json import RunFileError, load_run
from studio_torch.trainer import Trainer, small_first


def block_means(table, grid):
    """The [tokens, d] table on a grid, each 2x2 block averaged by hand: what half-pixel bilinear at half size gives."""
    gh, gw = grid
    t = table.reshape(gh, gw, -1)
    return ((t[0::2, 0::2] + t[0::2, 1::2] + t[1::2, 0::2] + t[1::2, 1::2]) / 4).reshape((gh // 2) * (gw // 2), -1)


class RandomPairs:
    """Images and masks of a run's size: the trainer needs only `len` and `batch`."""

    def __init__(self, count, height, width):
        generator = torch.Generator().manual_seed(7)
        self.x = torch.rand(count, 3, height, width, generator=generator)
        self.y = (torch.rand(count, 1, height, width, generator=generator) > 0.5).float()

    def __len__(self):
        return len(self.x)

    def batch(self, indices, device):
        return self.x[indices].to(device), self.y[indices].to(device)


class SmallFirst(unittest.TestCase):
    def test_the_table_at_half_its_grid_is_its_2x2_block_means(self):
        torch.manual_seed(0)
        layer = PositionEmbedding(4 * 6, 5)
        tokens = torch.zeros(2, 2 * 3, 5)
        torch.testing.assert_close(layer(tokens, (2, 3), (4, 6))[0], block_means(layer.position.detach(), (4, 6)), atol=1e-6, rtol=0)
        torch.testing.assert_close(layer(tokens.new_zeros(1, 24, 5), (4, 6), (4, 6))[0], layer.position.detach(), atol=0, rtol=0)

    def test_a_model_at_half_size_is_the_model_built_there_with_the_table_halved(self):
        torch.manual_seed(1)
        big = build_model("tiny", height=64, width=96).eval()
        small = build_model("tiny", height=32, width=48).eval()
        # A table of unit scale, not the init's 0.02: a wrong resize must show in the output, not drown in it.
        with torch.no_grad():
            big.vit_position.position.normal_()
        state = dict(big.state_dict())
        state["vit_position.position"] = block_means(state["vit_position.position"], (4, 6))
        small.load_state_dict(state)
        x = torch.rand(2, 3, 32, 48)
        with torch.no_grad():
            torch.testing.assert_close(big(x), small(x), atol=1e-5, rtol=1e-5)

    def test_the_trainer_trains_the_phase_at_its_size_then_the_run_size(self):
        config = {"batchSize": 2, "seed": 1, "optimizer": {"name": "adam", "learningRate": 1e-3},
                  "smallFirst": {"height": 32, "width": 48, "steps": 3}}
        model = build_model("tiny", height=64, width=96)
        seen = []
        model.register_forward_pre_hook(lambda _, inputs: seen.append(tuple(inputs[0].shape[2:])))
        trainer = Trainer(model, config, Dist(), max_steps=3)
        # Global steps 1-3 of the epoch: steps 1 and 2 are in the phase (0-based, < 3), step 3 is not.
        trainer.train_epoch(RandomPairs(8, 64, 96), epoch=0, step=1, total_steps=10, log=lambda _: None)
        self.assertEqual(seen, [(32, 48), (32, 48), (64, 96)])

    def test_a_batch_in_the_phase_is_block_averaged_masks_included(self):
        x, y = torch.rand(1, 3, 4, 6), (torch.rand(1, 1, 4, 6) > 0.5).float()
        config = {"smallFirst": {"height": 2, "width": 3, "steps": 1}}
        small_x, small_y = small_first(config, 0, x, y)
        for full, small in ((x, small_x), (y, small_y)):
            by_hand = (full[..., 0::2, 0::2] + full[..., 0::2, 1::2] + full[..., 1::2, 0::2] + full[..., 1::2, 1::2]) / 4
            torch.testing.assert_close(small, by_hand, atol=1e-6, rtol=0)
        self.assertIs(small_first(config, 1, x, y)[0], x)

    def test_a_phase_the_run_cannot_train_is_refused_naming_the_file(self):
        with tempfile.TemporaryDirectory() as folder:
            make_run(folder)
            path = os.path.join(folder, "studio.json")
            with open(path, encoding="utf-8") as f:
                run = json.load(f)
            for phase in ({"height": 24, "width": 32, "steps": 5}, {"height": 64, "width": 48, "steps": 5}, {"height": 16, "width": 16, "steps": -1}):
                run["config"]["smallFirst"] = phase
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(run, f)
                with self.assertRaisesRegex(RunFileError, r"studio\.json: config\.smallFirst .* up to 32x48"):
                    load_run(path)
            run["config"]["smallFirst"] = {"height": 16, "width": 16, "steps": 5}
            with open(path, "w", encoding="utf-8") as f:
                json.dump(run, f)
            self.assertEqual(load_run(path)["config"]["smallFirst"]["steps"], 5)

    def test_a_job_handed_over_mid_phase_says_so_and_trains(self):
        with tempfile.TemporaryDirectory() as folder:
            make_run(folder)  # one studio epoch: 8 steps done
            path = os.path.join(folder, "studio.json")
            with open(path, encoding="utf-8") as f:
                run = json.load(f)
            run["config"]["smallFirst"] = {"height": 16, "width": 16, "steps": 9}
            with open(path, "w", encoding="utf-8") as f:
                json.dump(run, f)
            done = subprocess.run([PYTHON, os.path.join(TORCH_DIR, "train.py"), "--run", path, "--weights", os.path.join(folder, "model.safetensors"),
                                   "--data", SAMPLE, "--out", os.path.join(folder, "out"), "--epochs", "1", "--max-steps", "2"],
                                  cwd=REPO, capture_output=True, text=True, timeout=600)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("small images first (the studio's phase): 16x16 until step 9, then 32x48", done.stdout)


if __name__ == "__main__":
    unittest.main()
