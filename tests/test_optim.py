"""torch.optim in plain Python (``import gradcli as torch``): the optimizers' updates, param
groups, state dicts and learning-rate schedulers, checked against the text PyTorch 2.13 prints
(recorded from it; tests/test_nn_parity.py runs generated training loops through both)."""

from __future__ import annotations

import contextlib
import io
import textwrap

import gradcli as torch
import gradcli.nn as nn
import gradcli.nn.functional as F
import gradcli.optim as optim


def printed(*sources: str) -> str:
    buffer = io.StringIO()
    program = "\n".join(textwrap.dedent(source) for source in sources)
    with contextlib.redirect_stdout(buffer):
        exec(program, {"torch": torch, "nn": nn, "F": F, "optim": optim, "__name__": "__main__"})
    return buffer.getvalue()


MODEL = """
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    x = torch.randn(3, 3)
    y = torch.randn(3, 1)

    def train(opt, steps=3, scheduler=None):
        for step in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            print(step, loss.item())
"""


def test_three_sgd_momentum_steps_print_pytorchs_losses_to_the_last_digit():
    assert printed(MODEL, """
        train(optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
        print(model[0].bias)
    """) == """\
0 3.167999267578125
1 2.7557899951934814
2 2.2482917308807373
Parameter containing:
tensor([-0.0168,  0.6402], requires_grad=True)
"""


def test_nesterov_weight_decay_dampening_and_maximize():
    assert printed(MODEL, """
        train(optim.SGD(model.parameters(), lr=0.05, momentum=0.8, nesterov=True,
                        weight_decay=0.01))
        train(optim.SGD(model.parameters(), lr=0.05, momentum=0.5, dampening=0.3,
                        maximize=True), steps=2)
    """) == """\
0 3.167999267578125
1 2.792980909347534
2 2.4346256256103516
0 2.163017988204956
1 2.216090440750122
"""


def test_adaptive_optimizers_train_and_keep_pytorchs_state():
    assert printed(MODEL, """
        for make in (lambda p: optim.Adam(p, lr=0.01), lambda p: optim.AdamW(p, lr=0.01),
                     lambda p: optim.RMSprop(p, lr=0.01), lambda p: optim.Adagrad(p, lr=0.1)):
            opt = make(model.parameters())
            train(opt, steps=2)
            state = opt.state_dict()["state"][3]
            print(type(opt).__name__, sorted(state), state["step"])
    """) == """\
0 3.167999267578125
1 3.1328916549682617
Adam ['exp_avg', 'exp_avg_sq', 'step'] tensor(2.)
0 3.0975592136383057
1 3.062006950378418
AdamW ['exp_avg', 'exp_avg_sq', 'step'] tensor(2.)
0 3.0262868404388428
1 2.657820463180542
RMSprop ['square_avg', 'step'] tensor(2.)
0 2.329606056213379
1 1.878947377204895
Adagrad ['step', 'sum'] tensor(2.)
"""


def test_optimizer_repr_param_groups_and_state_dict():
    assert printed(MODEL, """
        opt = optim.SGD([{"params": model[0].parameters()},
                         {"params": model[2].parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
        print(opt)
        train(opt, steps=1)
        state = opt.state_dict()
        print(state["param_groups"][1], list(state["state"]))
        copy = optim.SGD(model.parameters(), lr=1.0)
        try:
            copy.load_state_dict(state)
        except ValueError as error:
            print(error)
    """) == """\
SGD (
Parameter Group 0
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.1
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0

Parameter Group 1
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.5
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0
)
0 3.167999267578125
{'lr': 0.5, 'momentum': 0.9, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, 'maximize': False, 'foreach': None, 'differentiable': False, 'fused': None, 'params': [2, 3]} [0, 1, 2, 3]
loaded state dict has a different number of parameter groups
"""


def test_a_closure_is_run_with_grad_and_its_loss_returned():
    assert printed(MODEL, """
        opt = optim.SGD(model.parameters(), lr=0.1)
        def closure():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            return loss
        with torch.no_grad():
            print(opt.step(closure), opt.step(closure))
    """) == """\
tensor(3.1680, grad_fn=<MseLossBackward0>) tensor(2.7558, grad_fn=<MseLossBackward0>)
"""


def test_schedulers_move_the_learning_rate_as_pytorch():
    assert printed(MODEL, """
        for make in (lambda o: optim.lr_scheduler.StepLR(o, 2, gamma=0.5),
                     lambda o: optim.lr_scheduler.ExponentialLR(o, 0.9),
                     lambda o: optim.lr_scheduler.CosineAnnealingLR(o, 3, eta_min=0.001),
                     lambda o: optim.lr_scheduler.LambdaLR(o, lambda epoch: 1 / (epoch + 1))):
            opt = optim.SGD(model.parameters(), lr=0.1)
            scheduler = make(opt)
            rates = []
            for epoch in range(7):
                opt.step()
                scheduler.step()
                rates.append(scheduler.get_last_lr()[0])
            print(type(scheduler).__name__, rates)
        print(scheduler.state_dict())
    """) == """\
StepLR [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
ExponentialLR [0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002, 0.05314410000000002, 0.04782969000000002]
CosineAnnealingLR [0.07525000000000001, 0.025750000000000016, 0.001, 0.025749999999999995, 0.07525000000000005, 0.10000000000000006, 0.07525000000000007]
LambdaLR [0.05, 0.03333333333333333, 0.025, 0.020000000000000004, 0.016666666666666666, 0.014285714285714285, 0.0125]
{'base_lrs': [0.1], 'last_epoch': 7, '_step_count': 8, '_is_initial': False, '_get_lr_called_within_step': False, '_last_lr': [0.0125], 'lr_lambdas': [None]}
"""


def test_pytorchs_hyper_parameter_errors():
    assert printed(MODEL, """
        for make in (lambda: optim.SGD(model.parameters(), lr=-1),
                     lambda: optim.SGD(model.parameters(), lr=0.1, nesterov=True),
                     lambda: optim.Adam(model.parameters(), betas=(1.0, 0.9)),
                     lambda: optim.Adam([]), lambda: optim.SGD(torch.ones(1))):
            try:
                make()
            except (TypeError, ValueError) as error:
                print("TypeError" if isinstance(error, TypeError) else "ValueError", error)
    """) == """\
ValueError Invalid learning rate: -1
ValueError Nesterov momentum requires a momentum and zero dampening
ValueError Invalid beta parameter at index 0: 1.0
ValueError optimizer got an empty parameter list
TypeError params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor
"""
