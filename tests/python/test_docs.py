# docs/python.md's example runs end to end: every ```python block of the page, in order, in one
# namespace, as a notebook would.
import os
import re
from pathlib import Path

DOC = Path(os.environ.get("OURO_SOURCE_DIR", Path(__file__).resolve().parents[2])) / "docs" / "python.md"


def test_the_example_of_docs_python_md_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert blocks, f"no python blocks in {DOC}"
    namespace = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "accuracy per fold" in out and "def predict" in out
