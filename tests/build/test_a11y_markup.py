"""The markup corrections of source/_ext/cvplus_a11y.py on small inputs."""

from __future__ import annotations

import cvplus_a11y as a11y


def test_caption_heading_gets_a_level_once() -> None:
    once = a11y.captions('<p class="caption" role="heading"><span class="caption-text">Build</span></p>')
    assert 'role="heading" aria-level="2"' in once
    assert a11y.captions(once) == once


def test_code_block_is_focusable_and_named() -> None:
    plain = a11y.code_blocks('<div class="highlight-console notranslate"><div class="highlight"><pre>$ ls</pre>')
    assert '<pre tabindex="0" role="region" aria-label="Shell session">' in plain
    captioned = a11y.code_blocks(
        '<div class="code-block-caption"><span class="caption-text">Deploy <em>rules</em></span></div>\n'
        '<div class="highlight-bash notranslate"><div class="highlight"><pre>x</pre>')
    assert 'aria-label="Shell script: Deploy rules"' in captioned
    labelled = a11y.code_blocks('<div class="highlight-bash notranslate" id="rb-provider-probes">'
                                '<div class="highlight"><pre>probe() { :; }</pre>')
    assert '<pre tabindex="0" role="region" aria-label="Shell script">' in labelled  # a block with a label


def test_table_wrapper_named_after_its_caption() -> None:
    body = a11y.table_wrappers('<div class="table-wrapper colwidths-auto docutils container"><table>'
                               '<caption><span class="caption-number">T1 </span><span class="caption-text">Quotas'
                               '</span></caption></table></div><div class="table-wrapper container"><table></table>')
    assert 'tabindex="0" role="region" aria-label="Table: Quotas"' in body
    assert 'aria-label="Table 2"' in body
    with_id = a11y.table_wrappers('<div class="table-wrapper cvplus-inventory docutils container" id="id1"><table>')
    assert '<div class="table-wrapper cvplus-inventory docutils container" id="id1" tabindex="0" role="region"' in with_id
    assert a11y.table_wrappers(with_id) == with_id


def test_task_box_named_after_its_item() -> None:
    body = a11y.task_boxes('<p><input class="task-list-item-checkbox" disabled="disabled" type="checkbox"> '
                           'Rotate <code>keys</code></p>')
    assert 'aria-label="Rotate keys"' in body


def test_need_link_names_its_target_page() -> None:
    body = a11y.need_link_targets('<a class="reference internal" href="../deployment/guide.html#CHK_A_B">',
                                  "reference/checklist", {"deployment/guide": "Master guide"})
    assert 'data-target-page="Master guide"' in body
    untouched = '<a class="reference internal" href="guide.html#some-section">'
    assert a11y.need_link_targets(untouched, "deployment/x", {"deployment/guide": "G"}) == untouched
