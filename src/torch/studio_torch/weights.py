"""The model's weights <-> safetensors names, checked tensor by tensor so a wrong file fails early."""
import numpy as np
import torch

from .safetensors_io import read_safetensors, write_safetensors


class WeightsError(ValueError):
    """A weights file that does not fit the model: names the file and the tensor."""


def model_tensors(model):
    """The safetensors view of a model: state_dict without BatchNorm's num_batches_tracked, as float32 numpy."""
    module = getattr(model, "module", model)
    return {k: v.detach().float().cpu().numpy() for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}


def save_weights(model, path, metadata=None):
    """Writes model.safetensors (F32, `<tfjs layer>.<torch key>` names)."""
    write_safetensors(path, model_tensors(model), metadata)


def check_tensors(model, tensors, path):
    """Raises WeightsError on a missing, extra or mis-shaped tensor."""
    expected = {k: tuple(v.shape) for k, v in model_tensors(model).items()}
    for name in sorted(expected):
        if name not in tensors:
            raise WeightsError(f"{path}: tensor {name} is missing (the model needs shape {list(expected[name])})")
        if tuple(tensors[name].shape) != expected[name]:
            raise WeightsError(f"{path}: tensor {name} has shape {list(tensors[name].shape)}, the model needs {list(expected[name])}")
    for name in sorted(tensors):
        if name not in expected:
            raise WeightsError(f"{path}: tensor {name} is not a weight of this model")


def load_weights(model, path):
    """Reads model.safetensors into the model after checking every tensor."""
    tensors = read_safetensors(path)
    check_tensors(model, tensors, path)
    module = getattr(model, "module", model)
    state = module.state_dict()
    with torch.no_grad():
        for name, value in tensors.items():
            state[name].copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)))
