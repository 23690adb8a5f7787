"""Exercises for cnn/15_face_recognition.py. Write your answers in this file, then check them:

    python -m lessonkit.check cnn/15

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/cnn/15_face_recognition.py (try first).
"""

from __future__ import annotations

import torch
from torch import nn

# Exercise 1 (note 002 应用案例 人脸识别, "输入图片, 显示名字"; a number answers it): the lesson compares faces by
# the distance between L2-normalised embeddings (length 1): 0 for the same direction, 2 for opposite ones. What is
# the distance between two such embeddings at a right angle (cosine similarity 0)? Three decimals are enough.
DISTANCE_AT_RIGHT_ANGLE = None


def embed_photos(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Exercise 2 (note 002 应用案例 人脸识别; a few lines): the embeddings (嵌入) the lesson compares, for a
    FaceNet `model` and photos x (N, 1, 64, 64): model.embed(...) of each photo (already of length 1) plus that
    of its mirror image (flipped left-right), the sum scaled back to length 1 (divide each row by its norm),
    computed in eval mode without autograd. Return (N, embedding size). Leave the model in the mode it came in.
    """
    raise NotImplementedError


def identify_or_unknown(queries: torch.Tensor, gallery: torch.Tensor, people: torch.Tensor,
                        threshold: float) -> torch.Tensor:
    """Exercise 3 (note 002 应用案例 人脸识别 "显示名字"; goes further): the lesson's identify() plus its "unknown"
    rule. queries (N, D) and gallery (P, D) are L2-normalised embeddings; people (P,) holds the person id of each
    gallery row. Return an (N,) tensor: for each query the id of its nearest gallery row (Euclidean distance), or
    -1 ("unknown") when even that one is farther than threshold.
    """
    raise NotImplementedError
