"""cnn/15_face_recognition.py: face recognition (人脸识别), note 002's application: a photo in, a name out.

You will see the classic method and the modern one side by side on the AT&T (ORL) faces, 40 people x 10
photos: eigenfaces (特征脸: PCA of the pixels, then the nearest training photo) against a small CNN trained
as a classifier, both on the same 5 + 5 photos per person. Then what real face recognition does: the CNN's
last hidden layer (taken before its ReLU), scaled to length 1, is an embedding (嵌入); a network trained on
30 people only places the 10 people it has never seen so that photos of one person lie close together.
Those 10 are enrolled from 3 photos each (the mean of their 3 embeddings) and identified from their other 7
by the nearest enrolled person; every pair of their photos gives a verification (1:1, "same person?") ROC
curve, the equal error rate, and the distance threshold beyond which a face is "unknown".

Notes: 002 应用案例 人脸识别 ("input a picture, show the name"; the route: OpenCV for the frames, PyTorch
to train, ONNX.js, today onnxruntime-web, to run it: deploy/04_face_camera.py). The note has no code for
it; the CNN is built from cnn/04's pieces (convolution, BatchNorm, ReLU, max pooling; AdamW under a one-cycle
schedule), four 3x3 blocks deep; the embedding idea is FaceNet's (Schroff et al. 2015) without its triplet loss.
Run:    python cnn/15_face_recognition.py [--epochs 40] [--faces-dir my_faces] [--quick]
        python cnn/15_face_recognition.py --predict photo.jpg [photo2.png ...]
Prints: eigenfaces and CNN accuracy and seconds, unseen-people accuracy, the EER and its threshold; with
        --predict, one line per photo: the name or "unknown", with the distance.
Saves:  outputs/cnn/15_face_recognition/{metrics.json, eigenfaces.png, curves.png, roc.png, recognizer.pt};
        --predict writes predictions.json there
Expect: (seeds 0-4, 1 and 2 threads, AVX2 and no-SIMD code paths; about 50 s on 2 CPU cores) eigenfaces
        0.87-0.92; the CNN 0.96-0.995 (0.98 on average: with 5 photos a person, one seed's split costs a
        few more of the 200 test photos than another's), 7.5-12 points above eigenfaces in every run; the
        10 unseen people 0.90-0.96 from 3 photos each; verification EER 0.035-0.12 (AUC 0.93-0.99).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk

SIZE = 64                    # the network sees 64x64 grey faces (the AT&T photos are 92 wide, 112 high)
TRAIN_PHOTOS = 5             # closed set: 5 photos of each person to learn from, 5 to test on
SEEN_PEOPLE = 30             # the embedding network learns 30 people; the other 10 are never seen in training
ENROLL_PHOTOS = 3            # an unseen person is enrolled from 3 photos and identified from the rest
MIN_PEOPLE = 4               # with --faces-dir: at least 2 people to train the embedding on and 2 unseen
# Where the AT&T framing lies around the box OpenCV's Haar cascade draws on the same photos (measured on all
# 348 AT&T photos with exactly one detection; tests/test_faces.py checks it): the square crop used for
# training is 1.2x the box's width, centred 0.07 box widths above its centre.
CROP_PER_BOX, CROP_RISE = 1.2, 0.07


# --- the photos: a square crop, 64x64, each image standardised on its own ------------------------------

def square_crop(image: np.ndarray) -> np.ndarray:
    """The middle square of a portrait photo: 92x112 -> 92x92, losing 10 rows above and below the face."""
    h, w = image.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return image[top:top + side, left:left + side]


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, S, S) -> float (N, 1, 64, 64), each image scaled to mean 0 and std 1.

    Standardising every photo by itself (not by the dataset's mean) removes its overall brightness and
    contrast, though not the shadows a side light casts; deploy/04 does the same in JavaScript.
    """
    x = images.float().unsqueeze(1) / 255.0
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", antialias=True, align_corners=False)
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.std(dim=(2, 3), keepdim=True).clamp_min(1e-3)  # a blank image must not divide by zero
    return (x - mean) / std


def split_closed_set(labels: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Per person, TRAIN_PHOTOS random photos to train on and the rest to test on."""
    train, test = [], []
    for person in labels.unique():
        photos = (labels == person).nonzero().flatten()
        order = photos[torch.randperm(len(photos), generator=generator)]
        train.append(order[:TRAIN_PHOTOS])
        test.append(order[TRAIN_PHOTOS:])
    return torch.cat(train), torch.cat(test)


# --- 1. eigenfaces: PCA + nearest neighbour (scikit-learn) ------------------------------------------------

def eigenfaces(x_train, y_train, x_test, y_test, components: int):
    """Project every face on the first principal components of the training faces; name a test face by
    its nearest training face in that space (1-NN). Returns accuracy, seconds and the fitted PCA."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KNeighborsClassifier

    start = time.perf_counter()
    flat_train, flat_test = x_train.flatten(1).numpy(), x_test.flatten(1).numpy()
    pca = PCA(n_components=min(components, len(flat_train)), random_state=0).fit(flat_train)
    knn = KNeighborsClassifier(n_neighbors=1).fit(pca.transform(flat_train), y_train.numpy())
    accuracy = float((knn.predict(pca.transform(flat_test)) == y_test.numpy()).mean())
    return accuracy, time.perf_counter() - start, pca


def plot_eigenfaces(pca, path, show: bool, count: int = 7) -> None:
    fig, axes = plt.subplots(1, count + 1, figsize=(1.6 * (count + 1), 2.0))
    pictures = [pca.mean_] + list(pca.components_[:count])
    titles = ["mean face"] + [f"eigenface {k + 1}" for k in range(count)]
    for ax, picture, title in zip(axes, pictures, titles):
        ax.imshow(picture.reshape(SIZE, SIZE), cmap="gray")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    fig.suptitle(f"Eigenfaces: {pca.n_components_} components keep "
                 f"{100 * pca.explained_variance_ratio_.sum():.0f}% of the training faces' variance", fontsize=9)
    lk.save_figure(fig, path, show=show)


# --- 2. the CNN: a classifier whose last hidden layer is the embedding -------------------------------------

class FaceNet(nn.Module):
    """Four 3x3 convolution blocks (BatchNorm, ReLU, 2x2 max pooling), global average pooling, a 64-number
    embedding, then a linear classifier over the training people. Input (B, 1, 64, 64)."""

    def __init__(self, num_people: int, embedding: int = 64):
        super().__init__()

        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                    nn.MaxPool2d(2)]

        self.features = nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 64), *block(64, 128),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())          # (B, 128)
        self.embedding = nn.Linear(128, embedding)                                     # (B, 64)
        self.classifier = nn.Linear(embedding, num_people)                             # (B, people)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The embedding layer's output (before the ReLU the classifier sees), L2-normalised: faces compared
        by distance on the unit sphere."""
        return F.normalize(self.embedding(self.features(x)), dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(F.relu(self.embedding(self.features(x))))


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A new small rotation (+-10 degrees), scale (0.9-1.1) and shift for every photo of the batch, and a
    left-right mirror for half of them: with 5 photos a person, the network must not learn the photos' exact
    pixels. The shift is +-0.06 in affine_grid's coordinates, which run from -1 to 1 across the image: +-3% of
    its width and height, about 2 pixels at 64 px."""
    n = len(x)

    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=generator)

    angle, scale = uniform(-10, 10) * math.pi / 180, uniform(0.9, 1.1)
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * mirror, -sin, uniform(-0.06, 0.06)], 1),
                         torch.stack([sin * mirror, cos, uniform(-0.06, 0.06)], 1)], 1).to(x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def train(model, x, y, args, generator, label: str) -> list[float]:
    """AdamW under a one-cycle schedule; the whole (small) training set is in memory."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps = args.epochs * lk.num_batches(len(x), args.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)  # softer targets: a better spread embedding
    losses = []
    for epoch in lk.progress(range(1, args.epochs + 1), desc=label):
        model.train()
        loss_sum = torch.zeros((), device=x.device)
        for images, labels in lk.batches(x, y, args.batch_size, shuffle=True, generator=generator):
            loss = loss_fn(model(augment(images, generator)), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.detach() * len(labels)
        lk.check_finite(loss_sum, f"{label}, epoch {epoch}")
        losses.append(loss_sum.item() / len(x))
    return losses


@torch.inference_mode()
def embed_all(model, x: torch.Tensor, batch_size: int = 200) -> torch.Tensor:
    """The embeddings of a photo and of its mirror image, added and scaled back to length 1 (the direction of
    their mean; a face is nearly symmetric, and training mirrored half the photos): one more look at each photo
    for free, a steadier embedding."""
    model.eval()
    parts = []
    for i in range(0, len(x), batch_size):
        batch = x[i:i + batch_size]
        parts.append(F.normalize(model.embed(batch) + model.embed(batch.flip(-1)), dim=1))
    return torch.cat(parts)


@torch.inference_mode()
def closed_set_accuracy(model, x: torch.Tensor, y: torch.Tensor) -> float:
    """Test accuracy from the logits of each photo plus those of its mirror image (as embed_all does)."""
    model.eval()
    logits = model(x) + model(x.flip(-1))
    return (logits.argmax(dim=1) == y).float().mean().item()


# --- 3. unseen people: enrol from a few photos, identify, verify ----------------------------------------

def enrol(embeddings: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One gallery vector per person: the mean of their enrolment embeddings, back on the unit sphere."""
    people = labels.unique()
    gallery = torch.stack([embeddings[labels == p].mean(0) for p in people])
    return F.normalize(gallery, dim=1), people


def identify(queries: torch.Tensor, gallery: torch.Tensor, people: torch.Tensor):
    """The nearest gallery person of each query, and the distance to them (0 = same direction, 2 = opposite)."""
    distances = torch.cdist(queries, gallery)
    nearest = distances.argmin(dim=1)
    return people[nearest], distances.gather(1, nearest[:, None]).squeeze(1)


def verification(embeddings: torch.Tensor, labels: torch.Tensor) -> dict:
    """Every pair of photos: same person or not, against their distance. The ROC curve sweeps the threshold;
    the equal error rate (EER) is where wrongly accepted strangers and wrongly rejected owners are equally
    frequent, and its threshold is the one --predict uses for "unknown"."""
    from sklearn.metrics import roc_auc_score, roc_curve

    i, j = torch.triu_indices(len(labels), len(labels), offset=1)
    same = (labels[i] == labels[j]).numpy()
    distance = (embeddings[i] - embeddings[j]).norm(dim=1).numpy()
    false_accept, true_accept, thresholds = roc_curve(same, -distance)   # score: the closer, the likelier
    false_reject = 1 - true_accept
    k = int(np.argmin(np.abs(false_accept - false_reject)))
    return {"pairs_same": int(same.sum()), "pairs_other": int((~same).sum()),
            "eer": float((false_accept[k] + false_reject[k]) / 2), "threshold": float(-thresholds[k]),
            "auc": float(roc_auc_score(same, -distance)), "fpr": false_accept, "tpr": true_accept}


def plot_roc(result: dict, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(result["fpr"], result["tpr"], label=f"CNN embedding (AUC {result['auc']:.3f})")
    ax.plot([0, 1], [1, 0], ":", color="grey", label="false accept = false reject")
    ax.plot(result["eer"], 1 - result["eer"], "o", color="tab:red", label=f"EER {100 * result['eer']:.1f}%")
    ax.set(xlabel="strangers accepted (false accept rate)", ylabel="owners accepted (true accept rate)",
           title="Verification of unseen people: ROC")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def plot_curves(curves: dict, path, show: bool) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), losses, label=label)
    ax.set(xlabel="epoch", ylabel="training loss (label-smoothed cross-entropy)", title="Training")
    ax.legend()
    ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


# --- 4. a photo of one's own: OpenCV finds the face, the network names it -------------------------------

def face_detector():
    try:
        import cv2  # opencv-python-headless 4.x ships the Haar cascades and their files; 5.x does not
    except ImportError:
        raise lk.LessonError("OpenCV is not installed: pip install 'opencv-python-headless>=4.10,<5' (it is in "
                             "requirements.txt)") from None
    if not hasattr(cv2, "CascadeClassifier"):  # OpenCV 5 moved the Haar cascades to opencv-contrib
        raise lk.LessonError(f"OpenCV {cv2.__version__} has no Haar cascades (OpenCV 5 moved them to contrib): "
                             "pip install 'opencv-python-headless>=4.10,<5'")
    detector = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if detector.empty():
        raise lk.LessonError("OpenCV's Haar cascade file did not load: reinstall opencv-python-headless<5")
    return detector


def crop_face(image: np.ndarray, path: Path, detector) -> np.ndarray:
    """The one face of a photo, framed as the AT&T photos are, as a square grey crop; else a DataError."""
    found = detector.detectMultiScale(image, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40))
    if len(found) == 0:
        raise lk.DataError(f"no face found in {path}: use a photo with one face seen from the front, "
                           "not too small, in good light.")
    if len(found) > 1:
        raise lk.DataError(f"{len(found)} faces found in {path}: crop the photo to the one face to name.")
    x, y, w, h = (int(v) for v in found[0])
    side = int(round(CROP_PER_BOX * w))
    cx, cy = x + w / 2, y + h / 2 - CROP_RISE * w
    top, left = int(round(cy - side / 2)), int(round(cx - side / 2))
    padded = np.pad(image, side, mode="edge")  # a face near the border: repeat the border pixels
    return padded[top + side:top + 2 * side, left + side:left + 2 * side]


def predict(args, run) -> dict:
    """Name each photo with the recogniser a training run saved (recognizer.pt in --out)."""
    saved = run.out / "recognizer.pt"
    if not saved.is_file():
        raise lk.DataError(f"no recogniser at {saved}: run python cnn/15_face_recognition.py first "
                           "(with the same --out), then --predict.")
    state = lk.load_checkpoint(saved)
    if missing := {"model", "names", "gallery", "threshold", "people"} - state.keys():
        raise lk.DataError(f"{saved} is not a recogniser this lesson saved (it lacks {sorted(missing)}).")
    model = FaceNet(state["people"])
    lk.check_state_dict(state["model"], model, saved, expected="the FaceNet this lesson saves")
    model.load_state_dict(state["model"])
    detector = face_detector()
    gallery, threshold = state["gallery"], float(state["threshold"])
    answers, problems = [], []
    for photo in args.predict:
        try:  # a photo that cannot be named (no face, two faces, not an image) must not stop the others
            face = crop_face(lk.read_grey_image(photo), Path(photo), detector)
        except lk.DataError as err:
            print(f"{photo}: not named: {err}")
            problems.append(str(err))
            continue
        query = embed_all(model, to_model_input(torch.from_numpy(np.ascontiguousarray(face))[None]))
        person, distance = identify(query, gallery, torch.arange(len(gallery)))
        name = state["names"][int(person)] if distance.item() <= threshold else "unknown"
        print(f"{photo}: {name} (distance {distance.item():.3f}; unknown beyond {threshold:.3f})")
        answers.append({"photo": str(photo), "name": name, "distance": distance.item()})
    if answers:  # predictions.json, not metrics.json: the training run's metrics stay beside their recogniser
        saved_to = lk.write_json({"predictions": answers, "threshold": threshold, "recognizer": str(saved)},
                                 run.out / "predictions.json")
        print(f"saved {saved_to}")
    if problems:  # exit status 1: the learner sees that something needs their attention
        raise lk.DataError(problems[0] if len(problems) == 1 else
                           f"{len(problems)} of {len(args.predict)} photos could not be named (see above); the "
                           f"first: {problems[0]}")
    return {"predictions": answers, "threshold": threshold}


def scaled(square: np.ndarray, side: int) -> np.ndarray:
    """A square grey crop scaled to side x side (antialiased), still uint8."""
    x = torch.from_numpy(np.ascontiguousarray(square))[None, None].float()
    return F.interpolate(x, size=(side, side), mode="bilinear", antialias=True)[0, 0].round().byte().numpy()


def load_faces(args, run) -> lk.FaceSet:
    if args.faces_dir:  # a learner's own photos: each cropped to its one face as --predict does
        detector = face_detector()
        return lk.load_face_folder(args.faces_dir, lambda image, path: scaled(crop_face(image, path, detector), 92),
                                   min_photos=TRAIN_PHOTOS + 1)
    faces = lk.load_att_faces(run.data_dir)
    faces.images = torch.stack([torch.from_numpy(np.ascontiguousarray(square_crop(i.numpy()))) for i in faces.images])
    return faces


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=40, batch_size=40, lr=0.005)
    parser.add_argument("--components", type=lk.positive_int, default=50,
                        help="principal components the eigenfaces keep (default: 50)")
    parser.add_argument("--faces-dir", type=Path, default=None,
                        help="train on your own photos: a folder with one subfolder of photos per person")
    parser.add_argument("--predict", nargs="+", metavar="PHOTO", default=None,
                        help="name the face in each photo with the recogniser a training run saved")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    if args.predict:
        return predict(args, run)

    faces = load_faces(args, run)
    people = len(faces.names)
    if people < MIN_PEOPLE:  # the open-set half keeps 2 people unseen and needs others to learn from
        raise lk.DataError(f"--faces-dir {args.faces_dir} holds {people} people: this lesson needs at least "
                           f"{MIN_PEOPLE} (some to train the embedding on, 2 it never sees), one subfolder each.")
    if args.quick:
        args.epochs = 2
    print(f"data: {len(faces.labels)} photos of {people} people ({faces.source}), cropped to "
          f"{faces.size[1]}x{faces.size[0]}, seen by the network at {SIZE}x{SIZE}")
    generator = torch.Generator().manual_seed(args.seed)
    x_all = to_model_input(faces.images)

    # --- closed set: the same 5 + 5 photos per person for both methods ---
    train_idx, test_idx = split_closed_set(faces.labels, generator)
    y_train, y_test = faces.labels[train_idx], faces.labels[test_idx]
    eigen_acc, eigen_s, pca = eigenfaces(x_all[train_idx], y_train, x_all[test_idx], y_test, args.components)
    print(f"eigenfaces ({pca.n_components_} components, 1-NN): test accuracy {100 * eigen_acc:.1f}% "
          f"on {len(test_idx)} photos ({eigen_s:.2f} s)")
    plot_eigenfaces(pca, run.out / "eigenfaces.png", args.show)

    start = time.perf_counter()
    classifier = FaceNet(people).to(run.device)
    closed_losses = train(classifier, x_all[train_idx].to(run.device), y_train.to(run.device), args, generator,
                          f"CNN on {people} people")
    cnn_acc = closed_set_accuracy(classifier, x_all[test_idx].to(run.device), y_test.to(run.device))
    cnn_s = time.perf_counter() - start
    print(f"CNN classifier ({sum(p.numel() for p in classifier.parameters()):,} parameters): test accuracy "
          f"{100 * cnn_acc:.1f}% ({cnn_s:.1f} s, {args.epochs} epochs); eigenfaces {100 * eigen_acc:.1f}%")

    # --- open set: an embedding learnt on some people, used on people it has never seen ---
    unseen_count = max(2, people // 4)
    order = torch.randperm(people, generator=generator)
    seen, unseen = order[unseen_count:].sort().values, order[:unseen_count].sort().values
    is_seen = torch.isin(faces.labels, seen)
    relabel = torch.full((people,), -1, dtype=torch.long)
    relabel[seen] = torch.arange(len(seen))
    start = time.perf_counter()
    embedder = FaceNet(len(seen)).to(run.device)
    open_losses = train(embedder, x_all[is_seen].to(run.device), relabel[faces.labels[is_seen]].to(run.device),
                        args, generator, f"embedding on {len(seen)} people")
    embed_s = time.perf_counter() - start
    unseen_idx = (~is_seen).nonzero().flatten()
    unseen_emb = embed_all(embedder, x_all[unseen_idx].to(run.device)).cpu()
    unseen_labels = faces.labels[unseen_idx]
    enrol_mask = torch.zeros(len(unseen_idx), dtype=torch.bool)
    for person in unseen:
        photos = (unseen_labels == person).nonzero().flatten()
        enrol_mask[photos[torch.randperm(len(photos), generator=generator)[:ENROLL_PHOTOS]]] = True
    gallery, gallery_people = enrol(unseen_emb[enrol_mask], unseen_labels[enrol_mask])
    named, _ = identify(unseen_emb[~enrol_mask], gallery, gallery_people)
    unseen_acc = float((named == unseen_labels[~enrol_mask]).float().mean())
    print(f"embedding trained on {len(seen)} people ({embed_s:.1f} s); {unseen_count} people it never saw, "
          f"enrolled from {ENROLL_PHOTOS} photos each: {100 * unseen_acc:.1f}% of their other "
          f"{int((~enrol_mask).sum())} photos named right")
    check = verification(unseen_emb, unseen_labels)
    print(f"verification on {check['pairs_same']} same-person and {check['pairs_other']} other-person pairs of "
          f"unseen people: AUC {check['auc']:.3f}, equal error rate {100 * check['eer']:.1f}% at distance "
          f"{check['threshold']:.3f} (farther than that: unknown)")
    plot_roc(check, run.out / "roc.png", args.show)
    plot_curves({"classifier, closed set": closed_losses, "embedding, seen people": open_losses},
                run.out / "curves.png", args.show)

    # --- the recogniser --predict uses: the embedding network, everyone enrolled from 3 photos ---
    all_emb = embed_all(embedder, x_all.to(run.device)).cpu()
    first = faces.photo <= ENROLL_PHOTOS
    everyone, _ = enrol(all_emb[first], faces.labels[first])
    lk.save_checkpoint({"model": embedder.state_dict(), "people": len(seen), "names": faces.names,
                        "gallery": everyone, "threshold": check["threshold"],
                        "unseen": [faces.names[i] for i in unseen.tolist()]}, run.out / "recognizer.pt")
    print(f"saved {run.out / 'recognizer.pt'} (try --predict PHOTO)")
    return run.finish({
        "eigenfaces_accuracy": eigen_acc, "eigenfaces_seconds": eigen_s, "cnn_accuracy": cnn_acc,
        "cnn_seconds": cnn_s, "cnn_minus_eigenfaces": cnn_acc - eigen_acc, "unseen_accuracy": unseen_acc,
        "unseen_people": unseen_count, "eer": check["eer"], "auc": check["auc"], "threshold": check["threshold"],
        "embedding_seconds": embed_s, "people": people, "epochs": args.epochs,
    })


if __name__ == "__main__":
    main()
