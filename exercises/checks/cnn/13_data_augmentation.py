"""Checks for exercises/cnn/13_data_augmentation.py (run: python -m lessonkit.check cnn/13)."""

import torch
import torch.nn.functional as F

from lessonkit.check import NotYet, lesson

aug = lesson("cnn/13_data_augmentation.py")


def check_BATCH_CALL_DISTINCT(answer):
    if answer is None:
        raise NotImplementedError
    torch.manual_seed(0)
    digit = (torch.rand(1, 28, 28, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    truth = aug.distinct_results(aug.training_augmentation("MNIST"), digit, 16, per_image=False)
    if not isinstance(answer, int) or answer != truth:
        raise NotYet("v2 treats the leading dimensions of one tensor as images that belong together (like an image "
                     "and its mask) and draws its random angle, shift and zoom once per call")


def _corner_mark():
    """A uint8 (1, 28, 28) image: a bright square in the top-left quadrant, a dimmer bar beside it."""
    image = torch.zeros(1, 28, 28, dtype=torch.uint8)
    image[0, 3:9, 3:9] = 255
    image[0, 3:9, 10:11] = 120
    return image


def check_digit_augmentation(answer):
    transform = answer()
    if not callable(transform):
        raise NotYet("return a v2 transform (v2.RandomAffine(...), or several in v2.Compose([...]))")
    torch.manual_seed(0)
    image = _corner_mark()
    mass = image.float().sum()
    rows, cols = torch.arange(28.0)[:, None], torch.arange(28.0)[None, :]
    outputs = []
    for _ in range(40):
        out = transform(image)
        if not isinstance(out, torch.Tensor) or out.shape != image.shape or out.dtype != torch.uint8:
            raise NotYet("a uint8 (1, 28, 28) image must come out as a uint8 (1, 28, 28) image (augment first, "
                         "normalise after, as the lesson does)")
        weight = out[0].float()
        if weight.sum() < 0.5 * mass:
            raise NotYet("the mark lost more than half of its brightness in some draw: a crop that cuts most of the "
                         "digit away, or a strong brightness change, makes images no digit")
        y, x = (weight * rows).sum() / weight.sum(), (weight * cols).sum() / weight.sum()
        if not (y < 14 and x < 14):
            raise NotYet("a mark in the top-left corner ended up in another quadrant: a flip or a large rotation "
                         "makes a 2 or a 7 no digit (and a 6 a 9); keep to small shifts, turns and zooms")
        outputs.append(out)
    if all(torch.equal(o, image) for o in outputs):
        raise NotYet("the images come out unchanged: the augmentation must change them (a random shift, turn or "
                     "zoom)")
    if all(torch.equal(o, outputs[0]) for o in outputs):
        raise NotYet("every call gives the same image: an augmentation draws new random parameters each time")


def _offsets_matching(image, out, max_shift, fill):
    """All (dy, dx) in range for which out is image moved by (dy, dx), the gap filled with fill (either sign)."""
    m = max_shift
    padded = F.pad(image, (m, m, m, m), value=fill)
    h, w = image.shape[-2:]
    return [(dy, dx) for dy in range(-m, m + 1) for dx in range(-m, m + 1)
            if torch.equal(out, padded[..., m + dy:m + dy + h, m + dx:m + dx + w])]


def check_random_shift_per_image(answer):
    images = torch.rand(8, 2, 10, 12, generator=torch.Generator().manual_seed(1)) + 1  # no pixel equals the fill
    for max_shift, fill in ((2, 0.0), (3, -1.0)):
        got = answer(images.clone(), max_shift, torch.Generator().manual_seed(5), fill=fill)
        if not isinstance(got, torch.Tensor) or got.shape != images.shape:
            raise NotYet(f"the result must have the batch's shape {tuple(images.shape)}")
        found = []
        for i in range(len(images)):
            matches = _offsets_matching(images[i], got[i], max_shift, fill)
            if not matches:
                raise NotYet(f"image {i} is not the input image moved by whole pixels within +-{max_shift} with "
                             f"{fill} filling the gap: move all channels together, and keep what moves out lost")
            found.append(matches[0])
        if len(set(found)) == 1:
            raise NotYet("every image moved by the same offset: draw one (dy, dx) per image")
        again = answer(images.clone(), max_shift, torch.Generator().manual_seed(5), fill=fill)
        if not torch.equal(got, again):
            raise NotYet("the same generator state must give the same shifts: draw the offsets from `generator` "
                         "(torch.randint(..., generator=generator))")
    other = answer(images.clone(), 2, torch.Generator().manual_seed(6))
    if torch.equal(other, answer(images.clone(), 2, torch.Generator().manual_seed(5))):
        raise NotYet("another generator seed gives the same shifts: draw the offsets from `generator`")
    if not torch.equal(answer(images.clone(), 0, torch.Generator().manual_seed(5)), images):
        raise NotYet("with max_shift 0 every image must stay as it is")
