"""Checks for exercises/classic_ml/04_numpy_neural_network.py (run: python -m lessonkit.check classic_ml/04)."""

import numpy as np

from lessonkit.check import NotYet, lesson

nn = lesson("classic_ml/04_numpy_neural_network.py")


def check_LOSS_OF_EQUAL_LOGITS(answer):
    if answer is None:
        raise NotImplementedError
    truth = nn.cross_entropy(np.zeros((5, 10)), np.array([0, 3, 9, 9, 4]))
    if not isinstance(answer, (int, float)) or abs(answer - truth) > 1e-3:
        raise NotYet("with equal logits softmax gives every class the same probability; the loss is minus the "
                     "log of that probability (natural log, np.log)")


def _numeric_logit_gradient(logits, labels, eps=1e-6):
    grad = np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        plus, minus = logits.copy(), logits.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (nn.cross_entropy(plus, labels) - nn.cross_entropy(minus, labels)) / (2 * eps)
    return grad


def check_softmax_cross_entropy(answer):
    rng = np.random.default_rng(0)
    for batch, classes in ((4, 3), (1, 10), (6, 5)):
        logits = rng.normal(0, 2, size=(batch, classes))
        labels = rng.integers(0, classes, size=batch)
        got = answer(logits.copy(), labels)
        if not isinstance(got, tuple) or len(got) != 2 or np.shape(got[1]) != logits.shape:
            raise NotYet(f"return the pair (loss, d_logits) with d_logits of the logits' shape {logits.shape}")
        loss, grad = float(got[0]), np.asarray(got[1])
        if not np.isclose(loss, nn.cross_entropy(logits, labels), rtol=1e-10):
            raise NotYet("the loss is the MEAN over the batch of -log softmax(logits)[i, labels[i]]")
        if not np.allclose(grad, _numeric_logit_gradient(logits, labels), atol=1e-7):
            raise NotYet("the loss is right, the gradient is not: for one example it is softmax(logits) minus the "
                         "one-hot label; the loss is a mean, so divide by the batch size")
    extreme = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0]])
    loss, grad = answer(extreme, np.array([2, 2]))
    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
        raise NotYet("logits of +-1000 give inf or nan: subtract each row's maximum before exp (log-sum-exp)")
    if not np.isclose(float(loss), 1000.0, rtol=1e-9) or not np.allclose(grad, [[0.5, 0, -0.5], [0, 0, 0]], atol=1e-9):
        raise NotYet("with logits of +-1000 the loss and gradient must still be exact: compute the log-softmax as "
                     "z - max(z) - log(sum(exp(z - max(z)))), not log(softmax(z))")


def _relu_loss(params, x, labels):
    hidden = np.maximum(0.0, x @ params["W1"] + params["b1"])
    return nn.cross_entropy(hidden @ params["W2"] + params["b2"], labels)


def _numeric_gradients(params, x, labels, eps=1e-6):
    numeric = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            plus = _relu_loss(params, x, labels)
            value[index] = saved - eps
            minus = _relu_loss(params, x, labels)
            value[index] = saved
            grad[index] = (plus - minus) / (2 * eps)
        numeric[name] = grad
    return numeric


def check_relu_loss_and_gradients(answer):
    rng = np.random.default_rng(0)
    for n_in, n_hidden, n_out, batch in ((6, 5, 3, 4), (8, 7, 10, 9)):
        params = nn.init_params(n_in, n_hidden, n_out, rng)
        params["b1"] = rng.normal(0, 0.5, size=n_hidden)           # some units off for some examples
        x = rng.normal(size=(batch, n_in))
        labels = rng.integers(0, n_out, size=batch)
        before = {name: value.copy() for name, value in params.items()}
        got = answer(params, x, labels)
        if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict):
            raise NotYet("return the pair (loss, grads) with grads a dict like params")
        loss, grads = got
        if any(not np.array_equal(params[k], before[k]) for k in params):
            raise NotYet("leave params as they were: compute the gradients, do not take a step")
        if set(grads) != set(params) or any(np.shape(grads[k]) != params[k].shape for k in params):
            raise NotYet("grads needs the keys W1, b1, W2, b2, each with its parameter's shape")
        if not np.isclose(float(loss), _relu_loss(params, x, labels), rtol=1e-10):
            raise NotYet("the loss differs: hidden = np.maximum(0, x @ W1 + b1), logits = hidden @ W2 + b2, then the "
                         "mean cross-entropy; no activation on the logits")
        numeric = _numeric_gradients(params, x, labels)
        wrong = [k for k in ("W2", "b2", "W1", "b1") if nn.relative_error(np.asarray(grads[k]), numeric[k]) > 1e-6]
        if wrong:
            layer = "output" if wrong[0] in ("W2", "b2") else "hidden"
            raise NotYet(f"the gradients of {', '.join(wrong)} differ from finite differences (start with the "
                         f"{layer} layer): " + ("d_logits is (softmax - one_hot) / B, then W2's is hidden.T @ "
                         "d_logits and b2's its column sums" if layer == "output" else "d_hidden = d_logits @ "
                         "W2.T, then multiply by ReLU's derivative, (pre-activation > 0), instead of s (1 - s)"))
