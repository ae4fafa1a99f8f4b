"""Pairs images with masks by stem, as src/data/pairing.ts does (Kaggle and generic layouts)."""
import os
import re

IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}
MASK_FOLDER_NAMES = {"masks", "labels", "mask", "label", "gt"}
MASK_FOLDER_SUFFIXES = ("_masks", "-masks", "_labels", "-labels")
MASK_STEM_SUFFIXES = ("_mask", "-mask", "_label", "-label")
CARVANA_STEM = re.compile(r"^([0-9a-f]{12})_(\d{2})$", re.IGNORECASE)


def group_of(stem):
    """Carvana stems `<12 hex>_<NN>` group by car id (lower case); any other stem is its own group."""
    match = CARVANA_STEM.match(stem)
    return match.group(1).lower() if match else stem


def _classify(path):
    """('image' | 'mask', stem, folders) or None for a file that is no candidate."""
    segments = [s for s in path.replace("\\", "/").split("/") if s not in ("", ".")]
    name = segments.pop()
    folders = [s.lower() for s in segments]
    if name.startswith(".") or "__macosx" in folders or any(s.startswith(".") for s in segments):
        return None
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or ext.lower() not in IMAGE_EXTENSIONS:
        return None
    suffix = next((s for s in MASK_STEM_SUFFIXES if stem.lower().endswith(s)), None)
    if suffix:
        stem = stem[: -len(suffix)]
    parent = folders[-1] if folders else ""
    in_mask_folder = parent in MASK_FOLDER_NAMES or parent.endswith(MASK_FOLDER_SUFFIXES)
    if not stem:
        return None
    return ("mask" if suffix or in_mask_folder else "image", stem, folders)


def _common_depth(a, b):
    depth = 0
    while depth < len(a) and depth < len(b) and a[depth] == b[depth]:
        depth += 1
    return depth


def pair_files(paths):
    """Sorted pairs {stem, image, mask, group}; each image takes the mask with the nearest common folder."""
    by_key = {}
    for path in paths:
        found = _classify(path)
        if found:
            kind, stem, folders = found
            by_key.setdefault(stem.lower(), {"image": [], "mask": []})[kind].append((path, stem, folders))
    pairs = []
    for entry in by_key.values():
        links = sorted(
            ((-_common_depth(i[2], m[2]), i[0], m[0], i[1]) for i in entry["image"] for m in entry["mask"]),
        )
        used_images, used_masks = set(), set()
        for _, image, mask, stem in links:
            if image in used_images or mask in used_masks:
                continue
            used_images.add(image)
            used_masks.add(mask)
            pairs.append({"stem": stem, "image": image, "mask": mask, "group": group_of(stem)})
    return sorted(pairs, key=lambda p: (p["stem"], p["image"]))


def list_files(root):
    """Relative paths of every file under root, '/'-separated (as webkitRelativePath gives them)."""
    out = []
    for folder, _, names in os.walk(root):
        for name in names:
            out.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(out)
