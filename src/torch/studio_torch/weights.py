"""The model's weights <-> safetensors names, checked tensor by tensor so a wrong file fails early."""
import numpy as np
import torch

from .safetensors_io import read_metadata, read_safetensors, write_safetensors


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


# The optimizer state that crosses the border (src/ml/io/optimizerState.ts): per weight, in its layout.
OPTIMIZER_SLOTS = {"adam": ("exp_avg", "exp_avg_sq"), "sgd": ("momentum_buffer",)}


def _named_parameters(model):
    module = getattr(model, "module", model)
    return dict(module.named_parameters())


def save_optimizer(optimizer, model, name, path):
    """Writes optimizer.safetensors (`<weight>.<slot>`, step in the metadata); False when there is none to write."""
    slots = OPTIMIZER_SLOTS.get(name)
    params = _named_parameters(model)
    states = [optimizer.state.get(p, {}) for p in params.values()]
    if not slots or not states or any(slot not in st for st in states for slot in slots):
        return False
    tensors = {f"{n}.{slot}": st[slot].detach().float().cpu().numpy() for (n, _), st in zip(params.items(), states) for slot in slots}
    step = int(float(states[0].get("step", 0))) if name == "adam" else 1
    write_safetensors(path, tensors, {"format": "pt", "optimizer": name, "step": str(step)})
    return True


def load_optimizer(optimizer, model, name, path):
    """Reads optimizer.safetensors into the optimizer's state after checking the optimizer, every tensor and the step."""
    meta = read_metadata(path)
    if meta.get("optimizer") != name:
        raise WeightsError(f"{path} holds {meta.get('optimizer') or 'an unnamed optimizer'}'s state but the run trains with {name}")
    slots = OPTIMIZER_SLOTS.get(name)
    if not slots:
        raise WeightsError(f"{path}: the state of {name} does not travel between the studio and PyTorch")
    try:
        step = int(meta.get("step", ""))
    except ValueError:
        step = 0
    if step < 1:
        raise WeightsError(f"{path}: metadata step {meta.get('step')!r} is not a positive whole number")
    tensors = read_safetensors(path)
    params = _named_parameters(model)
    expected = {f"{n}.{slot}": tuple(p.shape) for n, p in params.items() for slot in slots}
    for key in sorted(expected):
        if key not in tensors:
            raise WeightsError(f"{path}: tensor {key} is missing (the model needs shape {list(expected[key])})")
        if tuple(tensors[key].shape) != expected[key]:
            raise WeightsError(f"{path}: tensor {key} has shape {list(tensors[key].shape)}, the model needs {list(expected[key])}")
    for key in sorted(tensors):
        if key not in expected:
            raise WeightsError(f"{path}: tensor {key} is not a {name} slot of this model's weights")
    for n, p in params.items():
        state = {slot: torch.from_numpy(np.ascontiguousarray(tensors[f"{n}.{slot}"], dtype=np.float32)).to(p.device) for slot in slots}
        if name == "adam":
            state["step"] = torch.tensor(float(step))  # torch >= 1.12 keeps Adam's step as a tensor
        optimizer.state[p] = state
