"""Data loading and saving at run time (Hamilton's `hamilton.io`): `materialization.to` and
`materialization.from_` for `Driver.materialize` and `Builder.with_materializers`."""
