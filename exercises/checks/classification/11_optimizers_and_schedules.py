"""Checks for exercises/classification/11_optimizers_and_schedules.py
(run: python -m lessonkit.check classification/11)."""

import torch

from lessonkit.check import NotYet, lesson

optimizers = lesson("classification/11_optimizers_and_schedules.py")


def _diverges(lr: float) -> bool:
    path = optimizers.optimizer_path(torch.optim.SGD, {"lr": lr}, steps=200)
    return not path[-1].norm() < path[0].norm()


def check_LARGEST_STABLE_SGD_LR(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)) or answer <= 0:
        raise NotYet("give a positive number, the learning rate")
    if _diverges(answer * 0.97):
        raise NotYet("too large: just below your value SGD already diverges; lower it")
    if not _diverges(answer * 1.03):
        raise NotYet("too small: just above your value SGD still converges. One step multiplies y by "
                     "(1 - lr * 4), the curvature along y: when does that factor leave [-1, 1]?")


def check_adam_path(answer):
    for lr, steps, betas in ((0.5, 40, (0.9, 0.999)), (0.05, 25, (0.8, 0.99)), (0.3, 3, (0.0, 0.9))):
        got = answer(lr, steps, betas)
        if not isinstance(got, torch.Tensor) or got.shape != (steps + 1, 2):
            raise NotYet(f"for {steps} steps return ({steps + 1}, 2): the start, then one point per step")
        if not torch.allclose(got[0].float(), torch.tensor(optimizers.START)):
            raise NotYet(f"the path starts at the lesson's START, {optimizers.START}")
        twin = optimizers.optimizer_path(torch.optim.Adam, {"lr": lr, "betas": betas}, steps)
        if not torch.allclose(got.float(), twin, atol=1e-4):
            first = next(i for i in range(1, steps + 1) if not torch.allclose(got[i].float(), twin[i], atol=1e-4))
            raise NotYet(f"with lr {lr} and betas {betas} your path leaves torch.optim.Adam's at step {first}: "
                         + ("at step 1 m_hat = g and v_hat = g^2, so each coordinate moves by about lr"
                            if first == 1 else "the bias correction uses the step number t counted from 1"))


def check_one_cycle_lr(answer):
    cases = [(1000, 0.1, {}), (37, 0.02, {"pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0})]
    for total, max_lr, options in cases:
        if not options:
            truth = optimizers.schedule("one-cycle", total, lr=max_lr)[0]    # the lesson's, read from the optimizer
        else:
            optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=max_lr, momentum=0.9)
            scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=total, **options)
            truth = []
            for _ in range(total):
                truth.append(optimizer.param_groups[0]["lr"])
                optimizer.step()
                scheduler.step()
        got = [answer(step, total, max_lr, **options) for step in range(total)]
        if not all(isinstance(v, (int, float)) for v in got):
            raise NotYet("return the learning rate as a plain number (float)")
        wrong = [step for step in range(total) if abs(got[step] - truth[step]) > 1e-6 * max_lr]
        if wrong:
            step = wrong[0]
            where = ("at step 0, the start" if step == 0 else "at the last step" if step == total - 1
                     else "in the warm-up" if truth[step + 1] > truth[step] else "in the annealing")
            raise NotYet(f"with total_steps {total}, max_lr {max_lr}{', ' + str(options) if options else ''} the "
                         f"learning rate is off first {where} (step {step}); the warm-up phase ends at the step "
                         "pct_start * total_steps - 1, which need not be a whole number")
