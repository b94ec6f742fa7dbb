"""The benchmark dataset: an organisation of salespeople and managers, a million customers and two million
contacts, loaded into PostgreSQL with COPY.

Rows are composed from word lists (``words.py``) with a seeded random generator, so the same parameters
give the same data on every machine. The search keys are composed from the pinyin of the parts, which is
what ``customers/keys.py`` computes for the whole name; every hundredth row is checked against it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from guanxi.core.permissions import roles_changed
from guanxi.customers import keys
from guanxi.customers.models import Contact, Customer, CustomerName
from guanxi.org.models import BusinessUnit, Department, Role, User

from . import words

Out = Callable[[str], None]
CHUNK = 20_000  # customers per COPY round
CHECK_EVERY = 100  # one row in this many has its keys recomputed by keys.py
BENCH_PASSWORD = "guanxi-bench"
POOL_SHARE = 0.15
DELETED_SHARE = 0.005
INDIVIDUAL_SHARE = 0.05
TWO_YEARS = 730 * 86400


@dataclass(frozen=True)
class Params:
    customers: int = 1_000_000
    opportunities: int = 0  # python -m tests.bench asks for 300,000
    contacts: int = 2_000_000
    users: int = 200
    departments: int = 20
    leads: int = 0  # python -m tests.bench asks for half the customers
    seed: int = 2026

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def regions(self) -> int:
        return max(1, min(len(words.REGIONS), round(self.departments / 5)))

    @property
    def salespeople(self) -> int:
        return self.users - 1 - self.regions - self.departments


@dataclass(frozen=True)
class Loaded:
    customers: int
    contacts: int
    users: int
    seconds: float


class KeyMismatch(AssertionError):
    """A composed search key differs from what customers/keys.py computes: fix the word lists."""


# --- names and keys ---------------------------------------------------------------------------------------


@cache
def pinyin_of(part: str) -> tuple[str, str]:
    """(full pinyin, initials) of one word part, as keys.py computes them."""
    return keys.name_pinyin(part), keys.name_initials(part)


def compose(parts: list[str]) -> tuple[str, str]:
    """The pinyin and initials of a name made of these parts (brackets and spaces carry none)."""
    found = [pinyin_of(part) for part in parts]
    return "".join(p for p, _ in found), "".join(i for _, i in found)


class Names:
    """Company and person names, every customer name unique by its duplicate key (as the database demands)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()
        forms = [form for form, weight in words.LEGAL_FORMS for _ in range(weight)]
        self.forms = forms

    def person(self) -> list[str]:
        rng = self.rng
        given = rng.choice(words.GIVEN_CHARS)
        if rng.random() < 0.7:
            given += rng.choice(words.GIVEN_CHARS)
        return [rng.choice(words.SURNAMES), given]

    def company(self) -> tuple[list[str], str]:
        """The name's parts (the brackets as a part of their own) and the province."""
        rng = self.rng
        city, province = rng.choice(words.CITIES)
        brand = "".join(rng.sample(words.BRAND_CHARS, 2))
        industry = rng.choice(words.INDUSTRIES)
        form = rng.choice(self.forms)
        style = rng.random()
        if style < 0.75:  # 上海华信科技有限公司
            return [city, brand, industry, form], province
        if style < 0.9:  # 深圳市鑫达电子有限公司
            return [city, "市", brand, industry, form], province
        return [brand, industry, "(", city, ")", form], province  # 华信科技(上海)有限公司

    def customer(self, kind: str) -> tuple[str, str, str, str, str, str]:
        """(name, key, pinyin, initials, province, city) of a customer nobody has yet."""
        while True:
            if kind == Customer.Kind.INDIVIDUAL:
                parts, province, city = self.person(), "", ""
            else:
                parts, province = self.company()
                city = next(part for part in parts if part in CITY_NAMES)
            name = "".join(parts)
            key = keys.name_key(name)
            if key not in self.seen:
                self.seen.add(key)
                pinyin, initials = compose([part for part in parts if part not in "()"])
                return name, key, pinyin, initials, province, city


CITY_NAMES = {city for city, _ in words.CITIES}


def check_keys(name: str, key: str | None, pinyin: str | None, initials: str, bigrams: str | None = None) -> None:
    if key is not None and key != keys.name_key(name):
        raise KeyMismatch(f"name_key of {name}: {key} != {keys.name_key(name)}")
    if bigrams is not None and bigrams != keys.name_bigrams(keys.name_key(name)):
        raise KeyMismatch(f"name_bigrams of {name}: {bigrams} != {keys.name_bigrams(keys.name_key(name))}")
    if pinyin is not None and pinyin != keys.name_pinyin(name):
        raise KeyMismatch(f"name_pinyin of {name}: {pinyin} != {keys.name_pinyin(name)}")
    if initials != keys.name_initials(name):
        raise KeyMismatch(f"name_initials of {name}: {initials} != {keys.name_initials(name)}")


def mobile(index: int, offset: int = 1_234_567) -> str:
    """A valid Chinese mobile number, different for every index below three billion: the index is spread over
    every prefix's 10⁸ numbers by a multiplication that is a bijection modulo their count."""
    space = len(words.MOBILE_PREFIXES) * 100_000_000
    number = (index * 2_654_435_761 + offset) % space  # the factor shares no prime with the space (2, 3, 5)
    return f"{words.MOBILE_PREFIXES[number // 100_000_000]}{number % 100_000_000:08d}"


def stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(seconds))


# --- the organisation -----------------------------------------------------------------------------------


@dataclass
class Org:
    unit_id: int
    owners: list[int]  # user ids who own customers ...
    cum_weights: list[float]  # ... and how many, cumulatively (a realistic skew)


def build_org(params: Params, rng: random.Random, names: Names) -> Org:
    """One business unit; regions at the top of the tree with departments below; a system admin, a sales
    manager for every region and department, and salespeople spread over the departments."""
    if params.salespeople < 1:
        raise ValueError(f"{params.users} users are too few for {params.departments} departments")
    unit = BusinessUnit.objects.create(name="华信集团", code="bench")
    roles = {role.code: role for role in Role.objects.all()}
    password = make_password(BENCH_PASSWORD)  # hashed once: argon2 is slow by design
    people: list[tuple[User, str]] = []

    def user(username: str, department: Department, manager: User | None, role: str) -> User:
        person = User(
            username=username,
            display_name="".join(names.person()),
            mobile=mobile(len(people), offset=7_654_321),
            email=f"{username}@huaxin.example.cn",
            department=department,
            manager=manager,
            password=password,
        )
        people.append((person, role))
        return person

    def department(name: str, parent: Department | None, order: int) -> Department:
        node = Department.objects.create(business_unit=unit, parent=parent, name=name, sort_order=order)
        node.path = f"{parent.path if parent else '/'}{node.pk}/"
        return node

    regions = [department(words.REGIONS[r], None, r) for r in range(params.regions)]
    leaves = []
    for d in range(params.departments):
        region, k = regions[d % len(regions)], d // len(regions)  # the k-th department of its region
        name = f"{region.name[:2]}销售{words.TEAM_NAMES[k % 10]}{k // 10 + 1 if k >= 10 else ''}"
        leaves.append(department(name, region, d))
    admin = user("bench.admin", regions[0], None, "system_admin")
    region_leads = [user(f"r{r + 1}.manager", region, None, "sales_manager") for r, region in enumerate(regions)]
    User.objects.bulk_create([admin, *region_leads])
    leads = [
        user(f"d{d + 1:02d}.manager", leaf, region_leads[d % len(regions)], "sales_manager")
        for d, leaf in enumerate(leaves)
    ]
    User.objects.bulk_create(leads)
    sellers = [
        user(f"s{n + 1:04d}", leaves[n % len(leaves)], leads[n % len(leaves)], "salesperson")
        for n in range(params.salespeople)
    ]
    User.objects.bulk_create(sellers)
    for node, lead in [*zip(regions, region_leads, strict=True), *zip(leaves, leads, strict=True)]:
        node.lead = lead
    Department.objects.bulk_update([*regions, *leaves], ["path", "lead"])
    User.roles.through.objects.bulk_create(
        [User.roles.through(user_id=person.pk, role_id=roles[role].pk) for person, role in people]
    )
    roles_changed()  # a bulk insert sends no signal: the roles kept in the cache from an earlier load are stale
    # A few salespeople hold most customers: log-normal weights; managers keep a handful each.
    weights = [rng.lognormvariate(0, 1.0) for _ in sellers]
    mean = sum(weights) / len(weights)
    owners = [*sellers, *leads, *region_leads]
    weights += [0.3 * mean] * len(leads) + [0.1 * mean] * len(region_leads)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return Org(unit.pk, [person.pk for person in owners], cumulative)


# --- rows -----------------------------------------------------------------------------------------------

CUSTOMER_COLUMNS = [
    "id",
    "number",
    "name",
    "kind",
    "business_unit_id",
    "owner_id",
    "created_by_id",
    "status",
    "level",
    "rating",
    "province",
    "city",
    "address",
    "phone",
    "tags",
    "created_at",
    "updated_at",
    "deleted_at",
    "last_followup_at",
    "next_followup_at",
    "name_key",
    "name_pinyin",
]
NAME_COLUMNS = ["customer_id", "name_key", "name_pinyin", "name_initials", "name_bigrams", "phone_tail"]
CONTACT_COLUMNS = [
    "id",
    "customer_id",
    "created_by_id",
    "name",
    "salutation",
    "gender",
    "position",
    "department",
    "decision_role",
    "mobile",
    "phone",
    "email",
    "is_primary",
    "created_at",
    "updated_at",
    "name_initials",
]
OWNED_STATUSES = ["potential"] * 65 + ["opportunity"] * 17 + ["won"] * 14 + ["churned"] * 4
LEVELS = ["", "", "O", "H", "A", "A", "B", "B", "B", "C", "C", "N"]
NULL = r"\N"


def constant_of(field: models.Field[Any, Any]) -> str:
    """The COPY text of a column the dataset leaves at its default: new fields need no change here."""
    if field.null:
        return NULL
    if field.has_default():
        value = field.get_default()
        if isinstance(field, models.JSONField):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, int | str):
            return str(value)
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise LookupError(f"the benchmark has no value for {field.model.__name__}.{field.name}: add it to dataset.py")


def copy_statement(model: type[models.Model], columns: list[str]) -> tuple[str, str]:
    """COPY ... FROM STDIN naming the generated columns first, then the defaults; and the defaults' text."""
    rest = [field for field in model._meta.concrete_fields if field.column not in columns]
    names = ", ".join(f'"{column}"' for column in [*columns, *(field.column for field in rest)])
    suffix = "".join("\t" + constant_of(field) for field in rest)
    return f"COPY {model._meta.db_table} ({names}) FROM STDIN", suffix


@dataclass(frozen=True)
class Chunk:
    customers: str
    names: str
    contacts: str


class Rows:
    """Customers and their contacts, chunk by chunk."""

    def __init__(self, params: Params, org: Org, rng: random.Random, names: Names) -> None:
        self.params, self.org, self.rng, self.names = params, org, rng, names
        self.now = time.time()
        self.customer_suffix = copy_statement(Customer, CUSTOMER_COLUMNS)[1]
        self.contact_suffix = copy_statement(Contact, CONTACT_COLUMNS)[1]
        self.name_suffix = copy_statement(CustomerName, NAME_COLUMNS)[1]
        self.next_contact = 1

    def contact_counts(self, start: int, size: int) -> list[int]:
        """How many contacts each customer of the chunk gets: the chunk's exact share of the total, at least
        one each when there are enough, the rest spread at random (so a few customers have many)."""
        total, customers = self.params.contacts, self.params.customers
        quota = (start + size) * total // customers - start * total // customers
        if quota < size:
            counts = [0] * size
            for index in self.rng.sample(range(size), quota):
                counts[index] = 1
            return counts
        counts = [1] * size
        for index in self.rng.choices(range(size), k=quota - size):
            counts[index] += 1
        return counts

    def chunk(self, start: int, size: int) -> Chunk:
        """COPY text of customers start+1 … start+size, of their search keys and of their contacts."""
        rng, names, org, now = self.rng, self.names, self.org, self.now
        customers: list[str] = []
        names_out: list[str] = []  # the customers' search keys (CustomerName)
        contacts: list[str] = []
        owners = rng.choices(org.owners, cum_weights=org.cum_weights, k=size)
        for offset, count in enumerate(self.contact_counts(start, size)):
            pk = start + offset + 1
            kind = Customer.Kind.INDIVIDUAL if rng.random() < INDIVIDUAL_SHARE else Customer.Kind.COMPANY
            name, key, pinyin, initials, province, city = names.customer(kind)
            bigrams = keys.name_bigrams(key)  # cheap, unlike pinyin: computed for every row
            if pk % CHECK_EVERY == 1:
                check_keys(name, key, pinyin, initials, bigrams)
            pooled = rng.random() < POOL_SHARE
            owner = NULL if pooled else str(owners[offset])
            updated = now - rng.random() * TWO_YEARS
            created = updated - rng.random() * TWO_YEARS / 2
            followed = stamp(created + rng.random() * (updated - created)) if rng.random() < 0.8 else NULL
            due = stamp(now + (rng.random() - 0.5) * 60 * 86400) if not pooled and rng.random() < 0.4 else NULL
            address = f"{city}{rng.choice(words.DISTRICTS)}{rng.choice(words.STREETS)}{rng.randint(1, 999)}号"
            phone = f"{rng.choice(words.AREA_CODES)}{rng.randint(20_000_000, 89_999_999)}" if city else ""
            customers.append(
                "\t".join(
                    [
                        str(pk),
                        f"BK{pk:08d}",
                        name,
                        kind,
                        str(org.unit_id),
                        owner,
                        str(owners[offset]),
                        "pool" if pooled else rng.choice(OWNED_STATUSES),
                        rng.choice(LEVELS),
                        str(rng.randint(1, 3)) if rng.random() < 0.3 else NULL,
                        province,
                        city,
                        address if city else "",
                        phone,
                        '["重点客户"]' if rng.random() < 0.05 else "[]",
                        stamp(created),
                        stamp(updated),
                        stamp(updated) if rng.random() < DELETED_SHARE else NULL,
                        followed,
                        due,
                        key,
                        pinyin,
                    ]
                )
                + self.customer_suffix
            )
            names_out.append(
                "\t".join([str(pk), key, pinyin, initials, bigrams, keys.phone_tail(phone)]) + self.name_suffix
            )
            for n in range(count):
                contacts.append(self.contact(pk, owners[offset], n == 0, created, updated))
        return Chunk(
            "\n".join(customers) + "\n", "\n".join(names_out) + "\n", "\n".join(contacts) + "\n" if contacts else ""
        )

    def contact(self, customer: int, creator: int, primary: bool, created: float, updated: float) -> str:
        rng = self.rng
        pk = self.next_contact
        self.next_contact += 1
        surname, given = self.names.person()
        name = surname + given
        initials = pinyin_of(surname)[1] + compose([given])[1]
        if pk % CHECK_EVERY == 1:
            check_keys(name, None, None, initials)
        position, role = rng.choice(words.POSITIONS)
        email = ""
        if rng.random() < 0.3:
            email = (
                f"{pinyin_of(surname)[0]}{compose([given])[0]}{rng.randint(1, 999)}@{rng.choice(words.MAIL_DOMAINS)}"
            )
        phone = f"{rng.choice(words.AREA_CODES)}{rng.randint(20_000_000, 89_999_999)}" if rng.random() < 0.3 else ""
        title = "总" if role == "decision_maker" else "经理" if role == "influencer" else "工"
        return (
            "\t".join(
                [
                    str(pk),
                    str(customer),
                    str(creator),
                    name,
                    surname + title,
                    rng.choice(("male", "male", "female")),
                    position,
                    rng.choice(words.DEPARTMENTS),
                    role,
                    mobile(pk - 1),
                    phone,
                    email,
                    "t" if primary else "f",
                    stamp(created),
                    stamp(created + rng.random() * (updated - created)),
                    initials,
                ]
            )
            + self.contact_suffix
        )


# --- other apps' rows -----------------------------------------------------------------------------------

# ``dataset_<app>.py`` modules register a loader for their app's rows: called inside the load's transaction,
# after the customers, with the parameters, the organisation and the seeded generator.
Loader = Callable[[Params, Org, random.Random, Out], None]
LOADERS: list[Loader] = []


def loader(function: Loader) -> Loader:
    LOADERS.append(function)
    return function


def discover_loaders() -> list[Loader]:
    import importlib
    import pkgutil
    from pathlib import Path

    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("dataset_"):
            importlib.import_module(f"{__package__}.{module.name}")
    return LOADERS


# --- loading --------------------------------------------------------------------------------------------


def vacuum_swept(out: Out, label: str, tables: list[str], rewritten: set[str], *, unvacuumed: bool = False) -> None:
    """VACUUM ANALYZE those of ``tables`` with many dead row versions (with ``unvacuumed``, also the big ones
    never vacuumed) and rebuild the indexes of the ``rewritten`` ones, as a live system's autovacuum would:
    the rolled-back sweep and approval cases leave dead rows that nothing clears on the benchmark server."""
    if connection.in_atomic_block:  # (a test loads inside its transaction, where VACUUM cannot run)
        return
    never = " OR (last_vacuum IS NULL AND last_autovacuum IS NULL AND n_live_tup > 10000)" if unvacuumed else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_dead_tup FROM pg_stat_user_tables"
            f" WHERE relname = ANY(%s) AND (n_dead_tup > 10000{never})",
            [tables],
        )
        for table, dead in cursor.fetchall():
            started = time.monotonic()
            cursor.execute(f'VACUUM ANALYZE "{table}"')
            if table in rewritten:
                cursor.execute(f'REINDEX TABLE "{table}"')
            out(f"  {label}: {dead:,} dead rows cleared from {table} in {time.monotonic() - started:.1f} s")


@contextmanager
def indexes_deferred(cursor: Any, tables: list[str], out: Out) -> Iterator[None]:
    """Drop the tables' indexes and foreign-key/unique constraints for the COPY and build them again after:
    building an index once is many times faster than updating twenty of them row by row."""
    constraints: list[tuple[str, str, str]] = []
    indexes: list[str] = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
            [table],
        )
        for name, definition in cursor.fetchall():
            constraints.append((table, name, definition))
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) "
            "ORDER BY indexname",
            [table, table],
        )
        for name, definition in cursor.fetchall():
            indexes.append(definition)
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.monotonic()
    for definition in indexes:
        cursor.execute(definition)
    for table, name, definition in constraints:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    out(f"  {len(indexes)} indexes and {len(constraints)} constraints rebuilt in {time.monotonic() - started:.1f} s")


def load(params: Params, *, out: Out = print) -> Loaded:
    """Load the dataset into the current (migrated, empty) PostgreSQL database in one transaction."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmark dataset loads with PostgreSQL's COPY; set DATABASE_URL")
    if Customer.all_objects.exists() or User.objects.exists():
        raise RuntimeError("the benchmark loads into an empty database")
    started = time.monotonic()
    rng = random.Random(params.seed)
    names = Names(rng)
    with transaction.atomic(), connection.cursor() as cursor:
        org = build_org(params, rng, names)
        # Users were written with deferred constraint checks; settle them now so the tables can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        out(f"  {params.users} users in {params.regions} regions and {params.departments} departments")
        rows = Rows(params, org, rng, names)
        customer_copy = copy_statement(Customer, CUSTOMER_COLUMNS)[0]
        name_copy = copy_statement(CustomerName, NAME_COLUMNS)[0]
        contact_copy = copy_statement(Contact, CONTACT_COLUMNS)[0]
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        tables = [model._meta.db_table for model in (Customer, CustomerName, Contact)]
        with indexes_deferred(cursor, tables, out):
            step = max(params.customers // 10, CHUNK)
            for start in range(0, params.customers, CHUNK):
                size = min(CHUNK, params.customers - start)
                chunk = rows.chunk(start, size)
                with raw.copy(customer_copy) as copy:
                    copy.write(chunk.customers)
                with raw.copy(name_copy) as copy:
                    copy.write(chunk.names)
                if chunk.contacts:
                    with raw.copy(contact_copy) as copy:
                        copy.write(chunk.contacts)
                if (start + size) % step < CHUNK or start + size == params.customers:
                    elapsed = time.monotonic() - started
                    out(f"  {start + size:>10,} customers, {rows.next_contact - 1:>10,} contacts  {elapsed:6.1f} s")
        for statement in connection.ops.sequence_reset_sql(no_style(), [Customer, Contact]):
            cursor.execute(statement)
        for load_rows in discover_loaders():
            load_rows(params, org, rng, out)
        cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    return Loaded(params.customers, rows.next_contact - 1, params.users, seconds)
