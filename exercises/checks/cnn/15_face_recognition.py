"""Checks for exercises/cnn/15_face_recognition.py (run: python -m lessonkit.check cnn/15)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

faces = lesson("cnn/15_face_recognition.py")


def check_DISTANCE_AT_RIGHT_ANGLE(answer):
    if answer is None:
        raise NotImplementedError
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 64, generator=generator, dtype=torch.float64)
    b = b - (b @ a) / (a @ a) * a  # b at a right angle to a
    truth = torch.dist(F.normalize(a, dim=0), F.normalize(b, dim=0)).item()
    if not isinstance(answer, (int, float)) or abs(answer - truth) > 1e-3:
        raise NotYet("for vectors of length 1, |a - b|^2 = |a|^2 + |b|^2 - 2 a.b = 2 - 2 cos(angle); at a right "
                     "angle the cosine is 0 (Pythagoras says the same)")


def check_embed_photos(answer):
    torch.manual_seed(0)
    model = faces.FaceNet(5)
    x = torch.randn(6, 1, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        model(x * 2 + 1)  # training mode: BatchNorm's running statistics are no longer the defaults
    model.eval()
    with torch.no_grad():
        truth = F.normalize(model.embed(x) + model.embed(x.flip(-1)), dim=1)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    got = answer(model, x)
    if not isinstance(got, torch.Tensor) or got.shape != truth.shape:
        raise NotYet(f"return one embedding per photo: {tuple(truth.shape)}")
    if any(not torch.equal(v, model.state_dict()[k]) for k, v in before.items()):
        raise NotYet("BatchNorm's running statistics changed: embed in eval mode (model.eval())")
    if not model.training:
        raise NotYet("the model came in training mode: put it back (model.train(was_training))")
    if got.requires_grad:
        raise NotYet("the embeddings carry a graph: compute them under torch.inference_mode() or torch.no_grad()")
    if not torch.allclose(got.norm(dim=1), torch.ones(len(x)), atol=1e-5):
        raise NotYet("each embedding must have length 1: divide every row by its own norm (dim=1, keepdim=True)")
    if not torch.allclose(got, truth, atol=1e-5):
        mirrored = answer(model, x.flip(-1))
        if not torch.allclose(mirrored, got, atol=1e-5):
            raise NotYet("a photo and its mirror image must get the same embedding: add the embedding of "
                         "x.flip(-1) (left-right is the last axis) before scaling to length 1")
        raise NotYet("the values differ from model.embed() of the photo plus model.embed() of its mirror image, "
                     "the sum scaled to length 1")


def check_identify_or_unknown(answer):
    generator = torch.Generator().manual_seed(2)
    gallery = F.normalize(torch.randn(5, 16, generator=generator), dim=1)
    people = torch.tensor([3, 7, 11, 20, 42])
    near = F.normalize(gallery[torch.tensor([1, 4, 0, 2])] + 0.3 * torch.randn(4, 16, generator=generator), dim=1)
    queries = torch.cat([near, F.normalize(torch.randn(6, 16, generator=generator), dim=1), gallery[3:4]])
    distances = torch.cdist(queries, gallery)
    nearest = distances.min(dim=1)
    ranked = nearest.values.sort().values
    middle = (ranked[5] + ranked[6]).item() / 2  # between two queries' distances: no query sits on the boundary
    for threshold in (2.0, middle, 1e-3):
        want = torch.where(nearest.values <= threshold, people[nearest.indices], torch.tensor(-1))
        got = answer(queries, gallery, people, threshold)
        if not isinstance(got, torch.Tensor) or got.shape != (len(queries),):
            raise NotYet(f"return one id per query: a ({len(queries)},) tensor")
        if threshold == 2.0 and not torch.equal(got.long(), want):
            raise NotYet("with threshold 2 nobody is unknown: each query gets the person id (from `people`, not the "
                         "gallery row number) of the gallery row at the smallest distance (torch.cdist, argmin)")
        if not torch.equal(got.long(), want):
            raise NotYet(f"with threshold {threshold:.3f} the answers differ: a query whose nearest gallery row is "
                         "farther than the threshold is -1; at the threshold or closer it is that row's person")
