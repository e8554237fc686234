"""A chunk of CreateProduct rows written together: validated by the model row by row, the chunk's idempotency
keys and the candidates of its made slugs looked up with one query each, and every table written once for the
whole chunk (docs/performance.md, findings 23 and 35). Its skus and given slugs are looked up first, one query,
only where the write would not refuse a taken one itself (a dry run's, whose ledger holds slugs no table has).

It answers exactly what the rows run one after the other would, or declines, and the chunk runs row by row:
when a row is not a CreateProduct, two rows share an idempotency key, a row meets a sku or slug another product
or an earlier row has (the single command's refusal names what the database reports), a made slug's first
candidates are all taken, or a unique key is taken when the write comes (by another product, or by a concurrent
writer between the look-ups and the write).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.idempotency import stored_outcome
from domain.model.catalog import Product
from domain.model.commands import CreateProduct
from domain.model.errors import DomainError
from domain.model.new_products import product_created_by
from domain.model.slugs import candidates, made_slug
from domain.ports import IdempotencyClaim, NewProducts, Outcome, StoreUnavailable

Answer = Outcome | DomainError | StoreUnavailable | None


async def create_together(
    new: NewProducts, commands: Sequence[object], claims: Sequence[IdempotencyClaim | None]
) -> list[Answer] | None:
    """One answer per row, as `batches.RowAnswer`, or None when the chunk must run row by row."""
    creates = [command for command in commands if isinstance(command, CreateProduct)]
    keys = [(claim.caller, claim.key) for claim in claims if claim is not None]
    if len(creates) != len(commands) or len(set(keys)) != len(keys):
        return None
    answers: list[Answer] = [None] * len(creates)
    pending = _recalled(answers, claims, await new.recall([c for c in claims if c is not None]) if keys else {})
    given = [command.slug for command in (creates[index] for index in pending) if command.slug is not None]
    made = {
        index: made_slug(creates[index].name, creates[index].sku) for index in pending if creates[index].slug is None
    }
    # Where the write itself refuses a taken sku or slug, the skus and the given slugs are not looked up first (two
    # queries a chunk, 6% of a bulk create on PostgreSQL: finding 35): a chunk that meets another product's runs
    # row by row after that refusal instead of before it, with the same answers. Made slugs are looked up still:
    # their free candidate is chosen here (a name repeated across chunks would send every later chunk row by row).
    ask = not new.write_sees_every_taken_key
    wanted = (given if ask else []) + [slug for base in made.values() for slug in candidates(base, 0)]
    slugs = await new.slugs_taken(list(dict.fromkeys(wanted))) if wanted else set()
    products: list[Product] = []
    written: list[int] = []
    for index in pending:
        command = creates[index]
        free = [slug for slug in candidates(made[index], 0) if slug not in slugs] if index in made else [None]
        if not free:
            return None
        try:
            product = product_created_by(command, new.now(), free[0])
        except DomainError as refusal:
            answers[index] = refusal
            continue
        slug = product.details.slug
        if slug in slugs or (index not in made and slug != command.slug):
            return None
        slugs.add(slug)
        products.append(product)
        written.append(index)
    if not products:
        return answers
    skus = [sku for product in products for sku in dict.fromkeys([product.sku, *(v.sku for v in product.variants)])]
    if len(set(skus)) != len(skus) or (ask and await new.skus_taken(skus)):
        return None
    outcomes = await new.write(products, [claims[index] for index in written])
    if outcomes is None:
        return None
    for index, outcome in zip(written, outcomes, strict=True):
        answers[index] = outcome
    return answers


def _recalled(
    answers: list[Answer], claims: Sequence[IdempotencyClaim | None], stored: dict[tuple[str, str], tuple[str, Outcome]]
) -> list[int]:
    """Answers the rows whose key has a stored outcome as the single command would; the indices of the others."""
    pending = []
    for index, claim in enumerate(claims):
        found = None if claim is None else stored.get((claim.caller, claim.key))
        if claim is None or found is None:
            pending.append(index)
            continue
        try:
            answers[index] = stored_outcome(claim, *found)
        except DomainError as refusal:
            answers[index] = refusal
    return pending
