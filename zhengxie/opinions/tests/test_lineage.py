"""An item's chain up and down the levels, and an author's record, read in a constant number of queries."""

from __future__ import annotations

from zhengxie.accounts.models import Role
from zhengxie.opinions import selectors, services
from zhengxie.opinions.tests.conftest import acc, published, submitted
from zhengxie.testing.factories import make_persona
from zhengxie.testing.queries import growth_report, queries_during


def _up_to_city(county, city, member, editor, leader):
    o = published(member, editor, leader, county)
    copy = services.opinion_forward(access=acc(editor, county), opinion_id=o.pk, committee_id=city.pk)
    return o, copy


def test_a_combined_piece_sent_up_shows_its_sources_below_and_the_parents_decisions_above(
        county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, province_editor):
    one, two = submitted(member_a, county), submitted(informant_a, county)
    piece = services.opinion_combine(access=acc(editor_a, county), source_ids=[one.pk, two.pk], title="综合建议",
                                     body="综合稿正文")
    services.opinion_edit(access=acc(editor_a, county), opinion_id=piece.pk, title="关于养老服务的建议", body="正文")
    copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=piece.pk, committee_id=city.pk)
    services.opinion_transition(access=acc(city_editor, city), opinion_id=copy.pk, name="adopt")
    top = services.opinion_forward(access=acc(city_editor, city), opinion_id=copy.pk, committee_id=province.pk)

    chain = selectors.lineage(acc(member_a, county), one.pk)
    assert [(n.committee_name, n.depth) for n in chain.up] == [
        (county.short_name, 1), (city.short_name, 2), (province.short_name, 3)]
    assert chain.up[1].opinion.state == "adopted" and chain.up[1].tracks[0].adoption == "single"
    assert chain.down == []

    chain = selectors.lineage(acc(province_editor, province), top.pk)
    assert [n.opinion.pk for n in chain.down] == [copy.pk, piece.pk, one.pk, two.pk]
    assert [n.depth for n in chain.nodes] == [-3, -3, -2, -1, 0]


def test_reading_a_chain_takes_the_same_queries_however_long_it_is(
        county, city, province, member_a, editor_a, leader_a, city_editor, city_leader, province_editor):
    short, _ = _up_to_city(county, city, member_a, editor_a, leader_a)
    access = acc(member_a, county)
    _, few = queries_during(lambda: selectors.lineage(access, short.pk))

    long, city_copy = _up_to_city(county, city, member_a, editor_a, leader_a)
    services.opinion_transition(access=acc(city_editor, city), opinion_id=city_copy.pk, name="adopt")
    for person in ("甲", "乙", "丙"):
        services.instruction_record(access=acc(city_editor, city), opinion_id=city_copy.pk, level="city",
                                    person=person, text="阅")
    services.opinion_forward(access=acc(city_editor, city), opinion_id=city_copy.pk, committee_id=province.pk)
    chain, many = queries_during(lambda: selectors.lineage(access, long.pk))

    assert len(chain.up) == 2 and len(chain.up[0].tracks) == 4
    assert len(many) == len(few) == 4, growth_report(few, many)


def test_an_authors_record_credits_every_level_in_five_queries(county, city, member_a, editor_a, leader_a,
                                                               city_editor):
    _up_to_city(county, city, member_a, editor_a, leader_a)
    access = acc(member_a, county)
    _, few = queries_during(lambda: selectors.author_record(access))
    for _ in range(3):
        _, copy = _up_to_city(county, city, member_a, editor_a, leader_a)
        services.opinion_transition(access=acc(city_editor, city), opinion_id=copy.pk, name="adopt")
        services.instruction_record(access=acc(city_editor, city), opinion_id=copy.pk, level="city", person="王",
                                    text="阅")
    record, many = queries_during(lambda: selectors.author_record(access))

    assert len(record) == 4 and len(few) == len(many) == 5, growth_report(few, many)
    assert [c.adopted_levels for c in record] == [["county", "city"]] * 3 + [["county"]]
    assert all(len(c.instructions) == 1 for c in record[:3])


def test_another_member_cannot_read_the_chain_of_an_unpublished_item(county, member_a, editor_a):
    o = submitted(member_a, county)
    other = make_persona(county, Role.MEMBER, "nosy_member")
    assert selectors.lineage(acc(other, county), o.pk) is None
    assert selectors.lineage(acc(member_a, county), o.pk).item.pk == o.pk


def test_the_editor_queue_reads_one_query_whatever_its_length(member_a, editor_a, committee_a):
    submitted(member_a, committee_a)
    access = acc(editor_a, committee_a)
    _, few = queries_during(lambda: selectors.editor_queue(access))
    for _ in range(5):
        submitted(member_a, committee_a)
    queue, many = queries_during(lambda: selectors.editor_queue(access))
    assert len(queue) == 6 and len(few) == len(many) == 1, growth_report(few, many)


def test_a_forwarded_copy_carries_the_items_files_as_the_parents_own_without_copying_bytes(
        county, city, member_a, editor_a, city_editor, media):
    from zhengxie.attachments.models import Attachment
    from zhengxie.attachments.selectors import attachment_get
    from zhengxie.opinions.tests.conftest import TEXT, photo

    draft = services.opinion_create(access=acc(member_a, county), **TEXT)
    services.opinion_files_add(access=acc(member_a, county), opinion_id=draft.pk,
                               uploads=[photo("现场照片.png"), photo("第二张.png")])
    services.opinion_transition(access=acc(member_a, county), opinion_id=draft.pk, name="submit")
    services.opinion_transition(access=acc(editor_a, county), opinion_id=draft.pk, name="adopt")

    copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=draft.pk, committee_id=city.pk)

    originals = selectors.attachments_of(draft)
    carried = selectors.attachments_of(copy)
    assert [f.original_name for f in carried] == ["现场照片.png", "第二张.png"]
    assert {f.committee_id for f in carried} == {city.pk}
    assert [f.file.name for f in carried] == [f.file.name for f in originals]  # the same stored files
    assert len([p for p in media.rglob("*") if p.is_file()]) == 2
    assert attachment_get(acc(city_editor, city), carried[0].pk) is not None
    assert attachment_get(acc(editor_a, county), carried[0].pk) is None  # the city's row, not the county's
    assert carried[0].file.open("rb").read() == originals[0].file.open("rb").read()
    assert Attachment.objects.filter(committee=county).count() == 2  # the originals stay where they were
