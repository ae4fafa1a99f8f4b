"""The studio's PyTorch mirror: presets, data, loss, metrics and run files, for DDP jobs and the bench."""
