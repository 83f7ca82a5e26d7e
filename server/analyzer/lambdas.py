"""Lambdas written in decorator arguments, called with plain values without running them.

Some decorator arguments are functions; a lambda written in place is kept as a `SafeLambda`,
whose call evaluates its body with the static evaluator (`evaluator.Evaluator`) and whose
signature the rules can inspect.  Nothing is compiled or run.
"""

from __future__ import annotations

import ast
import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluator import Evaluator


class SafeLambda:
    """A lambda from source, callable with plain values: its body is evaluated, never run."""

    __slots__ = ("_evaluator", "_node")

    def __init__(self, evaluator: Evaluator, node: ast.Lambda) -> None:
        self._evaluator = evaluator
        self._node = node

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        params = self._node.args
        local: dict[str, Any] = {}
        positional = [*params.posonlyargs, *params.args]
        defaults = [None] * (len(positional) - len(params.defaults)) + list(params.defaults)
        for index, (param, default) in enumerate(zip(positional, defaults, strict=False)):
            if index < len(args):
                local[param.arg] = args[index]
            elif param.arg in kwargs:
                local[param.arg] = kwargs.pop(param.arg)
            elif default is not None:
                local[param.arg] = self._evaluator.evaluate(default)
            else:
                raise TypeError(f"lambda is missing argument {param.arg!r}")
        if params.vararg is not None:
            local[params.vararg.arg] = tuple(args[len(positional) :])
        elif len(args) > len(positional):
            raise TypeError("lambda got too many positional arguments")
        for param, kw_default in zip(params.kwonlyargs, params.kw_defaults, strict=False):
            if param.arg in kwargs:
                local[param.arg] = kwargs.pop(param.arg)
            elif kw_default is not None:
                local[param.arg] = self._evaluator.evaluate(kw_default)
        if params.kwarg is not None:
            local[params.kwarg.arg] = dict(kwargs)
        elif kwargs:
            raise TypeError(f"lambda got unexpected arguments {sorted(kwargs)}")
        return self._evaluator.child(local).evaluate(self._node.body)

    @property
    def __signature__(self) -> inspect.Signature:
        """The lambda's parameters, so callers can see which names it takes."""
        params = self._node.args
        out: list[inspect.Parameter] = []
        positional = [*params.posonlyargs, *params.args]
        defaults = [None] * (len(positional) - len(params.defaults)) + list(params.defaults)
        for index, (arg, default) in enumerate(zip(positional, defaults, strict=False)):
            kind = (
                inspect.Parameter.POSITIONAL_ONLY
                if index < len(params.posonlyargs)
                else inspect.Parameter.POSITIONAL_OR_KEYWORD
            )
            out.append(inspect.Parameter(arg.arg, kind, default=self._default(default)))
        if params.vararg is not None:
            out.append(inspect.Parameter(params.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
        for arg, kw_default in zip(params.kwonlyargs, params.kw_defaults, strict=False):
            out.append(
                inspect.Parameter(
                    arg.arg, inspect.Parameter.KEYWORD_ONLY, default=self._default(kw_default)
                )
            )
        if params.kwarg is not None:
            out.append(inspect.Parameter(params.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
        return inspect.Signature(out)

    def _default(self, node: ast.expr | None) -> Any:
        return inspect.Parameter.empty if node is None else self._evaluator.evaluate(node)

    def __repr__(self) -> str:
        return f"<static lambda {ast.unparse(self._node)}>"
