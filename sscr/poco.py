"""The POCO adjustment: the reduction to allowable costs for group profits (Act s.20(2A); regulation
13A; allowable costs guidance v7.3, Part I, Table 2 and the I.7 worked example), for a group
supply chain of any depth.

Stage 1  document the chain, bottom-up: each contract's price is its total allowable costs (its own
         plus the prices its sub-contracts charge it) times (1 + its contract profit rate).
Stage 2  profit of each in-scope group and further group sub-contract at its full CPR.
Stage 3  its capital servicing amount (total allowable costs x CSA), excluded (I.4.6(a)).
Stage 4  appropriate sub-contractor profit, the risk premium above the prime's (I.4.5):
         own allowable costs x BPR x (CRA_sub - CRA_prime), only where positive. Own allowable
         costs exclude the prices of in-scope further group sub-contracts only.
Stage 5  POCO deduction = sum of stage 2 - sum of stage 3 - sum of stage 4.

Where only part of a sub-contract's output serves the contract (I.4.4(b)), ``output_share`` scales
the price it charges its parent and its stage 2-4 amounts; shares multiply down the chain, since a
further sub-contract serves the contract only through its parent's share.

Scope (regulation 13A(3), (4); guidance I.8.1, I.8.2): a sub-contract is out of scope when it is not
with an associated person (I.8.1(b), I.8.2(b)), was competed (I.8.1(d), I.8.2(d)), is priced by
commercial pricing or in accordance with law (I.8.1(e), I.8.2(e)), is worth less than £250,000
(I.8.1(c), I.8.2(c)), or has no profit in its price (I.8.1(a), I.8.2(a)). An out-of-scope contract's
price is still a cost of its parent.

Below an out-of-scope contract the text is read as it is written. A further group sub-contract is
"a contract ... made between two or more persons, each of which is associated with the primary
contractor or a group sub-contractor" (I.8.2(b)): nothing there asks that the contract above it is
itself in scope. So an associated, uncompeted sub-contract below a competed one (or below one
priced commercially, or one without profit) is a further group sub-contract when it meets the
tests itself, and its profit is removed; but a contract below one with a person who is *not*
associated is out of scope, because its buyer is that unassociated person (I.8.2(b)).

Stage 4 when the BPRs differ: I.4.5 removes the sub-contractor's "risk premium" only so far as it
is "above the amount of any risk premium paid by the MOD to the prime contractor", and Table 2
stage 4 measures it as the sub-contract's own allowable costs x the CRA differential. That
differential is read, as Table 2 and the I.7 arithmetic do, as the difference of the two CRAs
(fractions of the BPR) applied to the sub-contract's own BPR: own costs x BPR_sub x (CRA_sub -
CRA_prime). The other reading, the difference of the two risk premiums in percentage points
(BPR_sub x CRA_sub - BPR_prime x CRA_prime), gives a different figure only when the BPRs differ;
the result then says which reading was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import checks
from .components import method_kind
from .errors import PricingInputError, SupplyChainError
from .profit_rate import contract_profit_rate
from .tables import cell_text, flag, read_table

#: Regulation 13A(3)(c), (4)(c): a group sub-contract has a value of no less than £250,000.
VALUE_THRESHOLD = 250_000.0

REQUIRED = ("name", "parent", "own_allowable_costs", "bpr", "cra", "ia", "csa")
OPTIONAL = ("output_share", "profit_rate", "value", "associated", "competed", "pricing_method")
ALIASES = {"own allowable costs": "own_allowable_costs", "allowable_costs": "own_allowable_costs",
           "own costs": "own_allowable_costs", "share": "output_share", "method": "pricing_method"}


@dataclass(frozen=True)
class SupplyChainContract:
    """One row of the supply chain table. ``parent`` is None for the prime contract."""

    name: str
    parent: str | None
    own_allowable_costs: float
    bpr: float | None = None
    cra: float | None = None
    ia: float | None = None
    csa: float | None = None
    output_share: float | None = None
    profit_rate: float | None = None
    value: float | None = None
    associated: bool | None = None
    competed: bool | None = None
    pricing_method: str | None = None


@dataclass(frozen=True)
class ContractStages:
    """One contract's figures through Table 2."""

    name: str
    parent: str | None
    depth: int
    in_scope: bool
    reason: str
    own_allowable_costs: float
    sub_contract_costs: float
    total_allowable_costs: float
    contract_profit_rate: float
    capital_servicing_adjustment: float
    price: float
    output_share: float
    charged_price: float
    stage2_profit: float
    stage3_capital_servicing: float
    stage4_own_costs: float
    stage4_cra_difference: float
    stage4_appropriate_profit: float

    @property
    def attributable_profit(self) -> float:
        return self.stage2_profit - self.stage3_capital_servicing - self.stage4_appropriate_profit

    @property
    def profit_less_capital_servicing(self) -> float:
        """Stage 3 net: stage 2 profit less the capital servicing amount (I.7, "Profit SC1 - CSA SC1")."""
        return self.stage2_profit - self.stage3_capital_servicing

    @property
    def profit_before_csa(self) -> float:
        """Stage 1: total allowable costs x the rate after steps 1-3 (I.7, "Profit (before CSA)")."""
        return self.total_allowable_costs * (self.contract_profit_rate - self.capital_servicing_adjustment)

    @property
    def capital_servicing_amount(self) -> float:
        """Stage 1: total allowable costs x the step 4 adjustment (I.7, "CSA for ...")."""
        return self.total_allowable_costs * self.capital_servicing_adjustment


@dataclass(frozen=True)
class PocoAdjustment:
    """The POCO adjustment and the prime contract's price before and after it."""

    contracts: tuple[ContractStages, ...]
    prime: ContractStages
    total_profit: float
    total_capital_servicing: float
    initial_adjustment: float
    appropriate_subcontractor_profit: float
    deduction: float
    prime_allowable_costs_before: float
    prime_price_before: float
    prime_allowable_costs_after: float
    prime_price_after: float
    notes: tuple[str, ...] = ()

    @property
    def prime_profit_before_csa(self) -> float:
        p = self.prime
        return self.prime_allowable_costs_before * (p.contract_profit_rate - p.capital_servicing_adjustment)

    @property
    def prime_csa_before(self) -> float:
        return self.prime_allowable_costs_before * self.prime.capital_servicing_adjustment

    @property
    def prime_profit_before_csa_after(self) -> float:
        p = self.prime
        return self.prime_allowable_costs_after * (p.contract_profit_rate - p.capital_servicing_adjustment)

    @property
    def prime_csa_after(self) -> float:
        return self.prime_allowable_costs_after * self.prime.capital_servicing_adjustment

    def contract(self, name: str) -> ContractStages:
        for c in self.contracts:
            if c.name == name:
                return c
        raise KeyError(name)


def supply_chain_from_table(table: Any) -> list[SupplyChainContract]:
    """Rows of a supply chain range with a header row (columns matched by name, any order)."""
    rows = read_table("supply chain", table, REQUIRED, OPTIONAL, ALIASES)
    out = []
    for r in rows:
        name = cell_text(r["name"]) or None
        if name is None:
            raise SupplyChainError(f"supply chain row {r['_row']} name is empty: every contract needs a name")
        out.append(SupplyChainContract(
            name, cell_text(r["parent"]) or None, r["own_allowable_costs"], r["bpr"], r["cra"], r["ia"], r["csa"],
            r["output_share"], r["profit_rate"], r["value"],
            r["associated"], r["competed"], r["pricing_method"]))
    return out


def _tree(chain: Sequence[SupplyChainContract]) -> tuple[int, list[int], list[int]]:
    """Root index, each contract's parent index (-1 for the root) and a top-down order (each
    contract's sub-contracts in table order); raises on a broken structure."""
    index: dict[str, int] = {}
    for i, c in enumerate(chain):
        if c.name in index:
            raise SupplyChainError(f"supply chain name {checks.fmt(c.name)} appears twice: each contract once")
        index[c.name] = i
    roots = [i for i, c in enumerate(chain) if c.parent is None]
    if not roots:
        raise SupplyChainError("supply chain has no prime contract: exactly one row must have an empty parent")
    if len(roots) > 1:
        names = ", ".join(chain[i].name for i in roots[:5])
        raise SupplyChainError(
            f"supply chain has {len(roots)} rows with an empty parent ({names}): only the prime contract has "
            f"none, so give each sub-contract the contract it supplies")
    n = len(chain)
    parent = [-1 if c.parent is None else index.get(c.parent, -2) for c in chain]
    par = np.array(parent, dtype=np.int64)
    broken = np.flatnonzero((par == -2) | (par == np.arange(n)))
    if broken.size:
        i = int(broken[0])
        c = chain[i]
        if parent[i] == -2:
            raise SupplyChainError(
                f"supply chain contract {checks.fmt(c.name)} has parent {checks.fmt(c.parent)}, which is not a "
                f"contract in the table")
        raise SupplyChainError(f"supply chain contract {checks.fmt(c.name)} is its own parent")
    # Sub-contracts grouped by parent, in table order (a stable sort), then a breadth-first walk:
    # slices of one list rather than a list per contract, which large chains reach at random.
    by_parent = np.argsort(par, kind="stable")[1:].tolist()  # the root (parent -1) sorts first
    starts = np.concatenate(([0], np.cumsum(np.bincount(par[par >= 0], minlength=n)))).tolist()
    root = roots[0]
    order = [root]
    for node in order:
        order.extend(by_parent[starts[node]:starts[node + 1]])
    if len(order) != n:
        reached = np.zeros(n, dtype=bool)
        reached[order] = True
        start = int(np.flatnonzero(~reached)[0])
        path, seen = [start], {start}
        nxt = index[chain[start].parent]  # type: ignore[index]
        while nxt not in seen:
            path.append(nxt)
            seen.add(nxt)
            nxt = index[chain[nxt].parent]  # type: ignore[index]
        cycle = path[path.index(nxt):] + [nxt]
        raise SupplyChainError(
            "supply chain has a cycle: " + " -> ".join(chain[i].name for i in cycle) +
            " (each contract's parent must lead up to the prime contract)")
    return root, parent, order


_STEPS = ("bpr", "cra", "ia", "csa")
_PLAIN = (float, int, np.float64)


def _share_ok(s: Any) -> Any:
    """An output share is above 0 and at most 1 (I.4.4(b)); by element for an array."""
    return (s > 0) & (s <= 1)


def _inputs(chain: Sequence[SupplyChainContract], root: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                        np.ndarray, dict[str, np.ndarray]]:
    """Own allowable costs, output shares, which contracts give the four steps, the profit rates given
    alone, and the four steps, each checked. The common case is checked as whole arrays; anything
    else (or anything wrong) is read contract by contract, whose messages name the contract."""
    fast = _inputs_at_once(chain, root)
    return fast if fast is not None else _inputs_one_by_one(chain, root)


def _inputs_at_once(chain: Sequence[SupplyChainContract], root: int) -> Any:
    """Every contract gives plain numbers for its own costs and the four steps, and no profit_rate:
    the checks run once over arrays. None when the chain is not like that or a check fails."""
    n = len(chain)
    own: list[Any] = [None] * n
    bpr: list[Any] = [None] * n
    cra: list[Any] = [None] * n
    ia: list[Any] = [None] * n
    csa: list[Any] = [None] * n
    shares: list[Any] = [None] * n
    for i, c in enumerate(chain):
        if c.profit_rate is not None:
            return None
        own[i], bpr[i], cra[i], ia[i], csa[i], shares[i] = (c.own_allowable_costs, c.bpr, c.cra, c.ia, c.csa,
                                                             c.output_share)
    for values in (own, bpr, cra, ia, csa):
        if not all(type(v) in _PLAIN for v in values):
            return None
    given = [i for i, v in enumerate(shares) if v is not None]
    if any(type(shares[i]) not in _PLAIN for i in given):
        return None
    try:
        arrays = [np.array(values, dtype=float) for values in (own, bpr, cra, ia, csa)]
        share = np.ones(n)
        share[given] = np.array([shares[i] for i in given], dtype=float)
    except (OverflowError, ValueError, TypeError):
        return None
    with checks.collecting() as found:
        checks.money("own allowable costs", arrays[0], nonnegative=True)
        for k, values in zip(_STEPS, arrays[1:]):
            checks.number(k, values)
        checks.number("output share", share)
    if found or (root in given and share[root] != 1) or not np.all(_share_ok(share)):
        return None
    return arrays[0], share, np.ones(n, dtype=bool), np.zeros(n), dict(zip(_STEPS, arrays[1:]))


def _inputs_one_by_one(chain: Sequence[SupplyChainContract], root: int) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    n = len(chain)
    own = np.empty(n)
    share = np.ones(n)
    four_step = np.zeros(n, dtype=bool)
    rate_only = np.zeros(n)
    steps = {k: np.zeros(n) for k in ("bpr", "cra", "ia", "csa")}
    for i, c in enumerate(chain):
        label = f"supply chain contract {c.name}"
        own[i] = checks.money(f"{label} own allowable costs", c.own_allowable_costs, nonnegative=True)
        if c.output_share is not None:
            if i == root:
                s = checks.number(f"{label} output share", c.output_share)
                if s != 1:
                    raise PricingInputError(f"{label} output share {checks.fmt(s)} is given for the prime contract: "
                                            f"leave it empty (the prime contract's output is the contract's)")
            else:
                s = checks.number(f"{label} output share", c.output_share)
                checks.check(f"{label} output share", s, _share_ok(s),
                             "must be above 0 and at most 1: the part of the output the contract needs (I.4.4(b))")
                share[i] = s
        given = [k for k in ("bpr", "cra", "ia", "csa") if getattr(c, k) is not None]
        if c.profit_rate is not None:
            if given:
                raise PricingInputError(
                    f"{label} gives profit_rate and {given[0]}: give either the four steps (bpr, cra, ia, csa) or, for "
                    f"a sub-contract not priced by the four steps, its profit_rate alone (I.6.1)")
            rate_only[i] = checks.rate(f"{label} profit rate", c.profit_rate)
        else:
            if len(given) < 4:
                missing = next(k for k in ("bpr", "cra", "ia", "csa") if getattr(c, k) is None)
                raise PricingInputError(
                    f"{label} {missing} is empty: give bpr, cra, ia and csa, or a profit_rate for a sub-contract not "
                    f"priced by the four steps")
            four_step[i] = True
            for k in steps:
                steps[k][i] = checks.number(f"{label} {k}", getattr(c, k))
    return own, share, four_step, rate_only, steps


def poco_adjustment(supply_chain: Sequence[SupplyChainContract] | Any, *, money_unit: Any = 1.0,
                    value_threshold: float = VALUE_THRESHOLD) -> PocoAdjustment:
    """POCO reduction to the prime contract's allowable costs (regulation 13A; Part I, Table 2).

    Args:
        supply_chain: SupplyChainContracts, or a table with a header row: name, parent (empty for the
            prime), own_allowable_costs, bpr, cra, ia, csa, and optionally output_share, profit_rate,
            value, associated, competed, pricing_method. Rates are fractions; CRA is a fraction of BPR.
        money_unit: pounds per unit of the table's money (1_000_000 when the table is in £m); used
            only for the £250,000 value test of I.8.1(c).
        value_threshold: the value test in pounds.

    Examples:
        Allowable costs guidance, I.7 (£m):

        >>> chain = [SupplyChainContract("PC", None, 200, 0.08, 0.0, 0.0, 0.015),
        ...          SupplyChainContract("SC1", "PC", 50, 0.08, 0.25, 0.0, 0.02),
        ...          SupplyChainContract("SC2", "SC1", 25, 0.08, 0.10, 0.0, 0.01)]
        >>> r = poco_adjustment(chain, money_unit=1_000_000)
        >>> round(r.prime_price_before, 2), round(r.deduction, 3), round(r.prime_price_after, 2)
        (313.98, 8.745, 304.41)
    """
    if not isinstance(supply_chain, (list, tuple)) or (
            supply_chain and not isinstance(supply_chain[0], SupplyChainContract)):
        supply_chain = supply_chain_from_table(supply_chain)
    chain = list(supply_chain)
    if not chain:
        raise SupplyChainError("supply chain is empty: give the prime contract and its group sub-contracts")
    unit = float(checks.money("money unit", checks.single("money unit", money_unit)))
    checks.check("money unit", unit, unit > 0, "must be above zero: pounds per unit of the table's money")
    root, parent_of, order = _tree(chain)
    n = len(chain)
    own, share, four_step, rate_only, steps = _inputs(chain, root)
    # One vectorised pass of the four steps, then name the contract if a row breaks a rule.
    idx = np.flatnonzero(four_step)
    cpr = rate_only.copy()
    csa = np.zeros(n)
    if idx.size:
        try:
            result = contract_profit_rate(*(steps[k][idx] for k in ("bpr", "cra", "ia", "csa")))
        except PricingInputError:
            for i in idx:  # find the first bad row and name its contract
                try:
                    contract_profit_rate(*(float(steps[k][i]) for k in ("bpr", "cra", "ia", "csa")))
                except PricingInputError as exc:
                    raise PricingInputError(f"supply chain contract {chain[i].name}: {exc}") from None
            raise
        cpr[idx] = result.contract_profit_rate
        csa[idx] = result.capital_servicing_adjustment

    # The walks run in walk order (the prime first, then level by level), over Python lists:
    # neighbouring contracts then sit side by side in memory, and no numpy element is indexed alone.
    # Position k of a walk list is contract order[k]; the results go back to table order after.
    perm = np.array(order, dtype=np.int64)
    at = np.empty(n, dtype=np.int64)
    at[perm] = np.arange(n)
    up = at[np.asarray(parent_of, dtype=np.int64)[perm]].tolist()  # walk position of the parent
    own_w, share_w, cpr_w = own[perm].tolist(), share[perm].tolist(), cpr[perm].tolist()
    chain_w = [chain[i] for i in order]

    # Stage 1, bottom-up: prices.
    sub_w = [0.0] * n
    total_w = [0.0] * n
    price_w = [0.0] * n
    for k in range(n - 1, -1, -1):
        total_k = own_w[k] + sub_w[k]
        total_w[k] = total_k
        price_k = total_k * (1.0 + cpr_w[k])
        price_w[k] = price_k
        if k:
            sub_w[up[k]] += price_k * share_w[k]
    if not price_w[0] <= checks.MAX_MONEY:  # also catches an overflow to infinity or NaN
        k = next(k for k in range(n - 1, -1, -1) if not price_w[k] <= checks.MAX_MONEY)
        raise PricingInputError(
            f"supply chain contract {chain_w[k].name} price {checks.fmt(price_w[k])} is beyond "
            f"{checks.MAX_MONEY:,.0f}, where a number no longer holds pennies exactly: the chain's costs "
            f"compound up through {len(chain)} contracts; check the units and the parents")

    # Scope, top-down; cumulative output shares.
    plain = all(c.value is None and c.pricing_method is None and c.associated is None and c.competed is None
                for c in chain)
    in_scope_w = [False] * n
    reason_w = [""] * n
    cumulative_w = [1.0] * n
    depth_w = [0] * n
    associated_w = [True] * n  # the contract's supplier is associated with the primary contractor
    value_only_w = [False] * n  # out of scope by the value test alone
    reason_w[0] = "prime contract"
    for k in range(1, n):
        p = up[k]
        depth_w[k] = depth_w[p] + 1
        cumulative_w[k] = cumulative_w[p] * share_w[k]
        if not associated_w[p]:
            associated_w[k] = False
            reason_w[k] = (f"out of scope: it is made by {chain_w[p].name}'s supplier, who is not associated with "
                           f"the primary contractor, and a further group sub-contract is between persons each "
                           f"associated with it (I.8.2(b))")
            continue
        value, kind, not_associated, competed = price_w[k], "formula", False, False
        if not plain:
            c = chain_w[k]
            label = f"supply chain contract {c.name}"
            if c.value is not None:
                value = float(checks.money(f"{label} value", c.value, nonnegative=True))
            if c.pricing_method is not None:
                kind = method_kind(c.pricing_method, f"{label} pricing method")
            not_associated = c.associated is not None and not flag(f"{label} associated", c.associated, True)
            competed = not not_associated and c.competed is not None and flag(f"{label} competed", c.competed, False)
        para = "I.8.1" if p == 0 else "I.8.2"
        if not_associated:
            associated_w[k] = False
            reason_w[k] = f"out of scope: not with a person associated with the primary contractor ({para}(b), I.2.2)"
        elif competed:
            reason_w[k] = f"out of scope: awarded by a competitive process ({para}(d), I.2.2)"
        elif kind == "commercial":
            reason_w[k] = f"out of scope: priced by the commercial pricing method, regulation 19A ({para}(e))"
        elif kind == "law":
            reason_w[k] = f"out of scope: price determined in accordance with law, regulation 19B(3) ({para}(e))"
        elif value * unit < value_threshold:
            value_only_w[k] = cpr_w[k] > 0
            reason_w[k] = (f"out of scope: value {checks.fmt(value * unit)} pounds is below £{value_threshold:,.0f} "
                           f"({para}(c)); set money_unit if the table is not in pounds")
        elif cpr_w[k] <= 0:
            reason_w[k] = f"out of scope: its price includes no profit ({para}(a))"
        else:
            in_scope_w[k] = True
            if p == 0:
                reason_w[k] = "in scope: group sub-contract (I.8.1)"
            elif in_scope_w[p]:
                reason_w[k] = "in scope: further group sub-contract (I.8.2)"
            else:
                reason_w[k] = (f"in scope: further group sub-contract (I.8.2): its parent {chain_w[p].name} is out of "
                               f"scope, but I.8.2(b) asks only that both parties are associated with the primary "
                               f"contractor")

    # Stages 2-4.
    prime_cra = steps["cra"][root] if four_step[root] else 0.0
    child_w = [0.0] * n
    for k in range(1, n):
        if in_scope_w[k]:
            child_w[up[k]] += price_w[k] * share_w[k]

    def in_table_order(walk: list[Any], dtype: Any = float) -> np.ndarray:
        values = np.empty(n, dtype=dtype)
        values[perm] = walk
        return values

    in_scope = in_table_order(in_scope_w, bool)
    total, price, sub_costs = in_table_order(total_w), in_table_order(price_w), in_table_order(sub_w)
    cumulative, in_scope_child_costs = in_table_order(cumulative_w), in_table_order(child_w)
    stage2 = np.where(in_scope, total * cpr * cumulative, 0.0)
    stage3 = np.where(in_scope, total * csa * cumulative, 0.0)
    stage4_own = own + sub_costs - in_scope_child_costs
    cra_diff = np.where(four_step, np.maximum(steps["cra"] - prime_cra, 0.0), 0.0)
    stage4 = np.where(in_scope, stage4_own * steps["bpr"] * cra_diff * cumulative, 0.0)

    cra_shown = np.where(in_scope, cra_diff, 0.0)
    contracts = tuple(map(ContractStages, [c.name for c in chain], [c.parent for c in chain],
                          in_table_order(depth_w, np.int64).tolist(), in_scope.tolist(),
                          in_table_order(reason_w, object).tolist(), own.tolist(), sub_costs.tolist(),
                          total.tolist(), cpr.tolist(), csa.tolist(), price.tolist(), cumulative.tolist(),
                          (price * share).tolist(), stage2.tolist(), stage3.tolist(), stage4_own.tolist(),
                          cra_shown.tolist(), stage4.tolist()))
    s2, s3, s4 = float(stage2.sum()), float(stage3.sum()), float(stage4.sum())
    deduction = s2 - s3 - s4
    ac_before = float(total[root])
    ac_after = ac_before - deduction
    notes: list[str] = []
    if n > 1 and not any(in_scope_w) and any(value_only_w):
        notes.append(value_test_note(unit, value_threshold))
    if four_step[root]:
        prime_bpr = float(steps["bpr"][root])
        differs = in_scope & four_step & (steps["bpr"] != prime_bpr) & (cra_diff > 0)
        if differs.any():
            names = ", ".join(chain[i].name for i in np.flatnonzero(differs)[:5])
            notes.append(
                f"stage 4: the BPR of {names} differs from the prime's, and its risk premium is read as own costs x "
                f"its BPR x (its CRA - the prime's CRA), the CRA differential of Table 2 stage 4 applied at its own "
                f"BPR; the premiums' difference in percentage points (BPR_sub x CRA_sub - BPR_prime x CRA_prime) "
                f"would give another figure (I.4.5)")
    return PocoAdjustment(contracts, contracts[root], s2, s3, s2 - s3, s4, deduction, ac_before,
                          price_w[0], ac_after, ac_after * (1.0 + cpr_w[0]), tuple(notes))


def value_test_note(unit: float, value_threshold: float = VALUE_THRESHOLD) -> str:
    """Every group sub-contract that would otherwise be in scope fails the value test alone."""
    return (f"the POCO deduction is 0 because the value test alone puts every group sub-contract out of scope: each is "
            f"below £{value_threshold:,.0f} with money_unit {checks.fmt(unit)} pounds per unit (I.8.1(c), I.8.2(c)); "
            f"if the table is in £m, give money_unit 1000000")

