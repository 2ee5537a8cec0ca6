"""Builds a tiny Argos Translate package: real file formats, random weights, no download.

The model translates nothing sensibly, but it loads and decodes through the same
CTranslate2 and sentencepiece code paths as a real package, in well under a second.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.specs import TransformerSpec, common_spec

# Small enough to build fast, big enough that sentencepiece finds its pieces.
VOCAB_SIZE = 96
D_MODEL = 16
FFN = 32
HEADS = 2
LAYERS = 1
SEED = 20240611

# OpenNMT-py vocabularies open with these four; Argos models are trained with OpenNMT-py.
SPECIAL_TOKENS = ["<unk>", "<blank>", "<s>", "</s>"]

CORPUS = """\
The minister met the governor of the region on Monday.
Talks on the new budget will continue next week.
Wheat prices fell by three percent in the spring.
The president opened a new school in the capital.
Officials said the bridge would reopen in June.
The central bank kept its main rate unchanged.
Farmers expect a good harvest after the rains.
The mayor promised new buses for the city.
Exports of oil rose sharply in the first quarter.
The court will hear the case again in autumn.
El ministro se reunió con el gobernador de la región el lunes.
Las conversaciones sobre el nuevo presupuesto seguirán la próxima semana.
Los precios del trigo bajaron un tres por ciento en primavera.
El presidente abrió una nueva escuela en la capital.
Los funcionarios dijeron que el puente reabriría en junio.
El banco central mantuvo sin cambios su tipo principal.
Los agricultores esperan una buena cosecha tras las lluvias.
El alcalde prometió nuevos autobuses para la ciudad.
Las exportaciones de petróleo subieron en el primer trimestre.
El tribunal volverá a ver el caso en otoño.
"""


def build_tiny_package(
    dest: Path,
    from_code: str = "en",
    to_code: str = "es",
    *,
    version: str = "0.1",
    zipped: bool = False,
) -> Path:
    """Write package translate-<from>_<to>-<version> into `dest`; return its folder or archive.

    The weights depend only on the seed, so every package built here translates alike.
    """
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / name
        root.mkdir()
        pieces = _train_sentencepiece(root / "sentencepiece.model")
        _random_model(SPECIAL_TOKENS + pieces).save(str(_mkdir(root / "model")))
        _write_metadata(root / "metadata.json", from_code, to_code, version)
        dest.mkdir(parents=True, exist_ok=True)
        if zipped:
            return _zip_package(root, dest / f"{name}.argosmodel")
        return Path(shutil.copytree(root, dest / name))


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _train_sentencepiece(model_path: Path) -> list[str]:
    """Train the tokenizer; return its ordinary pieces (control and unknown pieces left out)."""
    corpus = model_path.with_name("corpus.txt")
    corpus.write_text(CORPUS, encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(model_path.with_suffix("")),
        vocab_size=VOCAB_SIZE,
        model_type="bpe",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    corpus.unlink()
    model_path.with_suffix(".vocab").unlink()
    sp = spm.SentencePieceProcessor(model_file=str(model_path))
    return [
        sp.id_to_piece(i)
        for i in range(sp.get_piece_size())
        if not (sp.is_control(i) or sp.is_unknown(i))
    ]


def _random_model(vocabulary: list[str]) -> TransformerSpec:
    """A pre-norm Transformer of seeded noise; layer norms alone start as the identity."""
    rng = np.random.default_rng(SEED)
    spec = TransformerSpec.from_config(num_layers=LAYERS, num_heads=HEADS)
    size = len(vocabulary)

    spec.encoder.embeddings[0].weight = _noise(rng, size, D_MODEL)
    _fill_norm(spec.encoder.layer_norm)
    for layer in spec.encoder.layer:
        _fill_attention(rng, layer.self_attention, self_attention=True)
        _fill_ffn(rng, layer.ffn)

    spec.decoder.embeddings.weight = _noise(rng, size, D_MODEL)
    _fill_norm(spec.decoder.layer_norm)
    for layer in spec.decoder.layer:
        _fill_attention(rng, layer.self_attention, self_attention=True)
        _fill_attention(rng, layer.attention, self_attention=False)
        _fill_ffn(rng, layer.ffn)
    _fill_linear(rng, spec.decoder.projection, size, D_MODEL)

    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize()
    return spec


def _noise(rng: np.random.Generator, *shape: int) -> np.ndarray:
    # float32 explicitly: validate() would cast float64, but the spec should say what it stores.
    return rng.normal(0.0, 0.5, size=shape).astype(np.float32)


def _fill_norm(norm: common_spec.LayerNormSpec) -> None:
    norm.gamma = np.ones(D_MODEL, dtype=np.float32)
    norm.beta = np.zeros(D_MODEL, dtype=np.float32)


def _fill_linear(rng, linear: common_spec.LinearSpec, out_dim: int, in_dim: int) -> None:
    # CTranslate2 stores weights as (out, in), the transpose of x @ W.
    linear.weight = _noise(rng, out_dim, in_dim)
    linear.bias = _noise(rng, out_dim)


def _fill_attention(rng, attention, *, self_attention: bool) -> None:
    """Self-attention fuses Q, K, V in linear[0]; cross-attention has Q, fused KV, output."""
    _fill_norm(attention.layer_norm)
    if self_attention:
        shapes = [(3 * D_MODEL, D_MODEL), (D_MODEL, D_MODEL)]
    else:
        shapes = [(D_MODEL, D_MODEL), (2 * D_MODEL, D_MODEL), (D_MODEL, D_MODEL)]
    for linear, (out_dim, in_dim) in zip(attention.linear, shapes, strict=True):
        _fill_linear(rng, linear, out_dim, in_dim)


def _fill_ffn(rng, ffn) -> None:
    _fill_norm(ffn.layer_norm)
    _fill_linear(rng, ffn.linear_0, FFN, D_MODEL)
    _fill_linear(rng, ffn.linear_1, D_MODEL, FFN)


def _write_metadata(path: Path, from_code: str, to_code: str, version: str) -> None:
    metadata = {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "type": "translate",
    }
    path.write_text(json.dumps(metadata, indent=2), encoding="utf-8")


def _zip_package(root: Path, archive: Path) -> Path:
    """Zip the package folder as argospm does: one top folder holding everything."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, path.relative_to(root.parent).as_posix())
    return archive
