"""Builds the OpenCV text graph of the person SSDLite (``python -m smartcommune.vision.engine.textgraph``).

A TensorFlow Object Detection API graph keeps its pre- and post-processing in TensorFlow control flow that
``cv2.dnn`` cannot import. OpenCV's answer is a text graph that names the frozen graph's layers and replaces the
post-processing with its own ``PriorBox`` and ``DetectionOutput`` layers; the weights still come from the ``.pb``.
This module writes that text graph without TensorFlow: ``cv2.dnn.writeTextGraph`` dumps the graph's structure, we
keep the feature extractor and the box predictors, reconnect the first convolution to the input, and add the
anchor generator (the SSD anchor generator of the model's training config: 6 layers, scales 0.2–0.95, aspect
ratios 1, 2, 1/2, 3, 1/3, fewer boxes in the lowest layer) and the detection output (the Faster R-CNN box coder's
variances 0.1, 0.1, 0.2, 0.2).

The result is committed beside this module (``ssdlite_person.pbtxt``): nothing runs at import or in Lambda.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

KEEP_OPS = frozenset(
    {"Conv2D", "BiasAdd", "Add", "AddV2", "Relu", "Relu6", "Placeholder", "FusedBatchNorm", "FusedBatchNormV3",
     "DepthwiseConv2dNative", "Mul", "Sub", "MaxPool", "AvgPool", "Pad", "Mean"}
)  # fmt: skip
DROPPED_PREFIXES = ("MultipleGridAnchorGenerator/", "Concatenate/", "Postprocessor/", "Preprocessor/map")
"""The resizing loop and the post-processing; the scaling to [-1, 1] (``Preprocessor/mul``, ``sub``) stays in."""
DROPPED_ATTRS = frozenset({"T", "Tshape", "N", "Tidx", "Tdim", "use_cudnn_on_gpu", "Index", "Tperm", "is_training",
                           "Tpaddings", "_output_shapes", "_class"})  # fmt: skip

_NODE = re.compile(r'^node \{\n  name: "(?P<name>[^"]+)"\n  op: "(?P<op>[^"]+)"\n(?P<body>.*?)^\}\n', re.M | re.S)
_INPUT = re.compile(r'^  input: "([^"]+)"\n', re.M)
_ATTR = re.compile(r'^  attr \{\n    key: "(?P<key>[^"]+)"\n(?P<value>.*?)^  \}\n', re.M | re.S)


@dataclass
class Node:
    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    """Attribute name → the text of its ``value { … }`` block, as the dump wrote it or as we build it."""

    def text(self) -> str:
        lines = [f'node {{\n  name: "{self.name}"\n  op: "{self.op}"\n']
        lines += [f'  input: "{i}"\n' for i in self.inputs]
        lines += [f'  attr {{\n    key: "{k}"\n{v}  }}\n' for k, v in sorted(self.attrs.items())]
        return "".join(lines) + "}\n"


def parse(text: str) -> list[Node]:
    """The nodes of a ``writeTextGraph`` dump (names, ops, inputs, raw attribute blocks)."""
    nodes = []
    for match in _NODE.finditer(text):
        body = match["body"]
        attrs = {a["key"]: a["value"] for a in _ATTR.finditer(body)}
        nodes.append(Node(match["name"], match["op"], _INPUT.findall(body.split("  attr {")[0]), attrs))
    return nodes


def _value(inner: str) -> str:
    return f"    value {{\n      {inner}\n    }}\n"


def _bool(flag: bool) -> str:
    return _value(f"b: {'true' if flag else 'false'}")


def _int(number: int) -> str:
    return _value(f"i: {number}")


def _float(number: float) -> str:
    return _value(f"f: {number!r}")


def _string(text: str) -> str:
    return _value(f's: "{text}"')


def _tensor(values: Iterable[float | int]) -> str:
    items = list(values)
    if all(isinstance(v, int) for v in items):
        dtype, key = "DT_INT32", "int_val"
    else:
        dtype, key = "DT_FLOAT", "float_val"
    vals = " ".join(f"{key}: {float(v) if dtype == 'DT_FLOAT' else int(v)!r}" for v in items)
    return _value(f"tensor {{ dtype: {dtype} tensor_shape {{ dim {{ size: {len(items)} }} }} {vals} }}")


def _const(name: str, values: Iterable[float | int]) -> Node:
    return Node(name, "Const", [], {"value": _tensor(values)})


def anchor_sizes(
    layer: int,
    *,
    layers: int = 6,
    min_scale: float = 0.2,
    max_scale: float = 0.95,
    aspect_ratios: tuple[float, ...] = (1.0, 2.0, 0.5, 3.0, 0.3333),
    size: int = 300,
) -> tuple[list[float], list[float]]:
    """Widths and heights (pixels of the network's input) of one layer's anchors, as TF's SSD anchor generator."""
    scales = [min_scale + (max_scale - min_scale) * i / (layers - 1) for i in range(layers)] + [1.0]
    if layer == 0:  # reduce_boxes_in_lowest_layer: a small square and two boxes at the minimum scale
        widths = [0.1, min_scale * math.sqrt(2.0), min_scale * math.sqrt(0.5)]
        heights = [0.1, min_scale / math.sqrt(2.0), min_scale / math.sqrt(0.5)]
    else:
        widths = [scales[layer] * math.sqrt(a) for a in aspect_ratios]
        heights = [scales[layer] / math.sqrt(a) for a in aspect_ratios]
        between = math.sqrt(scales[layer] * scales[layer + 1])
        widths.append(between)
        heights.append(between)
    return [w * size for w in widths], [h * size for h in heights]


def _prune(nodes: list[Node]) -> tuple[dict[str, Node], str]:
    """The feature extractor and box predictors, identities resolved, the first layer reading the input."""
    by_name = {n.name: n for n in nodes}
    identity = {n.name: n.inputs[0] for n in nodes if n.op == "Identity" and n.inputs}

    def resolve(name: str) -> str:
        base = name.split(":", maxsplit=1)[0]
        while base in identity:
            base = identity[base].split(":")[0]
        return base

    def kept_op(node: Node) -> bool:
        return node.op in KEEP_OPS and not node.name.startswith(DROPPED_PREFIXES)

    placeholder = next(n.name for n in nodes if n.op == "Placeholder")
    kept: dict[str, Node] = {}
    for node in filter(kept_op, nodes):
        sources = [by_name[t] for t in map(resolve, node.inputs) if t in by_name]
        inputs = [s.name for s in sources if s.op == "Const" or kept_op(s)]
        if len(inputs) < len(sources) and node.op != "Placeholder" and all(by_name[i].op == "Const" for i in inputs):
            inputs = [placeholder, *inputs]  # it read the resized image: read the network's input instead
        attrs = {k: v for k, v in node.attrs.items() if k not in DROPPED_ATTRS}
        kept[node.name] = Node(node.name, node.op, inputs, attrs)
    kept[placeholder].attrs.pop("shape", None)
    return kept, placeholder


def _head(placeholder: str, *, num_classes: int, layers: int, size: int) -> list[Node]:
    """Flattened predictions, the anchors (``PriorBox``) and OpenCV's ``DetectionOutput``."""
    head: list[Node] = [_const("concat/axis_flatten", [-1]), _const("PriorBox/concat/axis", [-2])]
    for label in ("ClassPredictor", "BoxEncodingPredictor"):
        flats = []
        for i in range(layers):
            predictor = f"BoxPredictor_{i}/{label}/BiasAdd"
            head.append(Node(f"{predictor}/Flatten", "Flatten", [predictor]))
            flats.append(f"{predictor}/Flatten")
        head.append(Node(f"{label}/concat", "ConcatV2", [*flats, "concat/axis_flatten"]))
    priors = []
    for i in range(layers):
        widths, heights = anchor_sizes(i, layers=layers, size=size)
        attrs = {"flip": _bool(False), "clip": _bool(False), "width": _tensor(widths), "height": _tensor(heights)}
        attrs["variance"] = _tensor([0.1, 0.1, 0.2, 0.2])
        head.append(
            Node(f"PriorBox_{i}", "PriorBox", [f"BoxPredictor_{i}/BoxEncodingPredictor/BiasAdd", placeholder], attrs)
        )
        priors.append(f"PriorBox_{i}")
    head.append(Node("PriorBox/concat", "ConcatV2", [*priors, "concat/axis_flatten"]))
    head.append(_const("ClassPredictor/concat3d/shape", [0, -1, num_classes + 1]))
    head.append(Node("ClassPredictor/concat3d", "Reshape", ["ClassPredictor/concat", "ClassPredictor/concat3d/shape"]))
    head.append(Node("ClassPredictor/concat/sigmoid", "Sigmoid", ["ClassPredictor/concat3d"]))
    head.append(Node("ClassPredictor/concat/sigmoid/Flatten", "Flatten", ["ClassPredictor/concat/sigmoid"]))
    out = {
        "num_classes": _int(num_classes + 1),
        "share_location": _bool(True),
        "background_label_id": _int(0),
        "nms_threshold": _float(0.6),
        "confidence_threshold": _float(0.01),
        "top_k": _int(100),
        "keep_top_k": _int(100),
        "code_type": _string("CENTER_SIZE"),
    }
    inputs = ["BoxEncodingPredictor/concat", "ClassPredictor/concat/sigmoid/Flatten", "PriorBox/concat"]
    head.append(Node("detection_out", "DetectionOutput", inputs, out))
    return head


def _needed_in_order(graph: dict[str, Node], output: str) -> list[Node]:
    """What ``output`` depends on, every node after its inputs (depth-first, iterative)."""
    ordered: list[Node] = []
    seen: set[str] = set()
    stack: list[tuple[str, bool]] = [(output, False)]
    while stack:
        name, expanded = stack.pop()
        if name not in graph or (name in seen and not expanded):
            continue
        if expanded:
            ordered.append(graph[name])
            continue
        seen.add(name)
        stack.append((name, True))
        stack.extend((i, False) for i in reversed(graph[name].inputs) if i not in seen)
    return ordered


def build(dump: str, *, num_classes: int = 1, layers: int = 6, size: int = 300) -> str:
    """The OpenCV text graph of an SSD (convolutional box predictor) from its ``writeTextGraph`` dump."""
    kept, placeholder = _prune(parse(dump))
    for i in range(layers):
        kept[f"BoxPredictor_{i}/BoxEncodingPredictor/Conv2D"].attrs["loc_pred_transposed"] = _bool(True)
    head = _head(placeholder, num_classes=num_classes, layers=layers, size=size)
    ours = {h.name for h in head}
    graph = {**kept, **{n.name: n for n in head}}
    # the weights stay in the .pb (OpenCV reads them by name); only the constants we made are written
    return "".join(n.text() for n in _needed_in_order(graph, "detection_out") if n.op != "Const" or n.name in ours)


def main() -> None:
    import tempfile

    import cv2

    from smartcommune.vision.engine.models import SSDLITE_TEXT_GRAPH, ssdlite_graph

    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "dump.pbtxt"
        cv2.dnn.writeTextGraph(str(ssdlite_graph()), str(dump))
        SSDLITE_TEXT_GRAPH.write_text(build(dump.read_text(encoding="utf-8")), encoding="utf-8")
    print(SSDLITE_TEXT_GRAPH)


if __name__ == "__main__":
    main()
