"""Worked solutions for exercises/cnn/15_face_recognition.py, with a paragraph each. Check them with
    python -m lessonkit.check cnn/15 --solutions
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1. sqrt(2) = 1.414. For unit vectors |a - b|^2 = 2 - 2 cos(angle), so the distance is a function of
# the angle alone: 0 at 0 degrees, 1.414 at 90, 2 at 180. Comparing L2-normalised embeddings by distance is the
# same as comparing them by cosine similarity, and a threshold on one is a threshold on the other. Random
# directions in 64 dimensions are nearly at right angles, so strangers' faces tend to sit near 1.41, and the
# lesson's "unknown" threshold lies below that.
DISTANCE_AT_RIGHT_ANGLE = 1.414


def embed_photos(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Eval mode makes the embedding of a photo depend on that photo only (BatchNorm's running statistics, no
    batch mixing), inference_mode records no graph. A face is nearly symmetric, so the mirror image is a second
    look for free, and the sum is the same whichever of the two was given: the embedding does not change when
    the photo is mirrored. model.embed() already returns unit vectors, so the two looks count equally; their sum
    is shorter than 2 when they disagree, and dividing by its norm puts the face back on the unit sphere, where
    distance and angle agree (exercise 1). The lesson's embed_all does this with F.normalize."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            summed = model.embed(x) + model.embed(x.flip(-1))
            return summed / summed.norm(dim=1, keepdim=True)
    finally:
        model.train(was_training)


def identify_or_unknown(queries: torch.Tensor, gallery: torch.Tensor, people: torch.Tensor,
                        threshold: float) -> torch.Tensor:
    """torch.cdist gives every query-to-gallery distance at once (N, P); min(dim=1) the nearest row and its
    distance. Indexing `people` with the row numbers turns rows into person ids (one person can be enrolled as
    one averaged row, as the lesson's enrol() does, or as several). Beyond the threshold the face matches nobody
    well enough: an open-set recogniser must be able to say "unknown" instead of naming the least unlike person."""
    distance, row = torch.cdist(queries, gallery).min(dim=1)
    return torch.where(distance <= threshold, people[row], torch.full_like(people[row], -1))
