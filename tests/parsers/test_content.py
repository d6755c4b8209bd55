"""Body text: blocks, lists and pseudo-lists, boilerplate left out, images, container choice."""

from __future__ import annotations

from items import ArticleImage, ListBlock
from tests.parsers.pages import PARAGRAPHS, build_page, parse


def test_paragraphs_are_separated_by_blank_lines() -> None:
    record = parse(build_page())
    paragraphs = record.body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("The county council approved its budget")
    assert "Council budget approved" not in record.body  # the headline is not body text


def test_bullet_lines_in_one_paragraph_become_a_list() -> None:
    body = PARAGRAPHS + ("<p>The budget includes:<br>• £2m for road repairs<br>"
                         "• longer library hours<br>• a council tax freeze</p>")
    record = parse(build_page(body=body))
    assert record.lists == (ListBlock(heading="The budget includes:", ordered=False,
                                      items=("£2m for road repairs", "longer library hours",
                                             "a council tax freeze")),)
    assert record.body.endswith(
        "The budget includes:\n\n£2m for road repairs\nlonger library hours\na council tax freeze")


def test_bullet_paragraphs_in_a_row_become_a_list() -> None:
    body = PARAGRAPHS + "<p>• first point</p><p>- second point</p><p>* third point</p>" \
        "<p>Afterwards the meeting closed.</p>"
    record = parse(build_page(body=body))
    assert record.lists[0].items == ("first point", "second point", "third point")
    assert record.lists[0].heading is None
    assert "first point\nsecond point\nthird point\n\nAfterwards" in record.body


def test_a_single_dash_line_is_not_a_list() -> None:
    body = PARAGRAPHS + "<p>- 5 degrees was the coldest night.</p>"
    record = parse(build_page(body=body))
    assert record.lists == ()
    assert record.body.endswith("- 5 degrees was the coldest night.")


def test_html_lists_with_introducing_heading_and_ordered_flag() -> None:
    body = PARAGRAPHS + "<h2>What happens next</h2><ol><li>Consultation</li><li>Vote</li></ol>"
    record = parse(build_page(body=body))
    assert record.lists == (ListBlock(heading="What happens next", ordered=True,
                                      items=("Consultation", "Vote")),)
    assert record.body.endswith("What happens next\n\nConsultation\nVote")


def test_blockquotes_and_headings_are_blocks() -> None:
    body = PARAGRAPHS + "<h3>Reaction</h3><blockquote><p>It is a good budget.</p></blockquote>"
    assert parse(build_page(body=body)).body.endswith("Reaction\n\nIt is a good budget.")


def test_boilerplate_inside_the_content_is_left_out() -> None:
    body = (
        '<div class="share-buttons"><a href="https://twitter.com/share">Tweet</a> Share this</div>'
        + PARAGRAPHS
        + '<div class="advertisement">Advertisement</div>'
        + '<div class="newsletter-signup"><p>Sign up for our daily newsletter with all the news '
          "from the county.</p></div>"
        + '<figure><img src="/img/chamber.jpg"><figcaption>The council chamber</figcaption>'
          "</figure>"
        + '<blockquote class="twitter-tweet"><p>Great news for the county tonight</p></blockquote>'
        + '<div class="author-box"><h4>About the author</h4><p>Ann covers local politics for '
          "the paper and has done so for a decade.</p></div>"
        + '<script>var tracking = "Councillors voted";</script>'
    )
    record = parse(build_page(body=body))
    for text in ("Tweet", "Share this", "Advertisement", "Sign up", "council chamber",
                 "Great news", "About the author", "tracking"):
        assert text not in record.body, text
    assert record.body.startswith("The county council approved")


def test_chrome_section_headed_inside_content_is_dropped() -> None:
    body = PARAGRAPHS + ('<h3>Share this article</h3><p>Copy the link to send this story to a '
                         "friend or colleague today.</p>")
    record = parse(build_page(body=body))
    assert "Copy the link" not in record.body
    assert "Share this article" not in record.body


def test_images_with_captions_lazy_sources_and_no_icons() -> None:
    body = (
        '<figure class="wp-caption aligncenter"><img data-src="/img/chamber.jpg" '
        'src="data:image/gif;base64,R0lGOD">'
        "<figcaption>The council chamber</figcaption></figure>" + PARAGRAPHS
        + '<img src="https://cdn.example.com/pixel.gif" width="1" height="1">'
        '<img src="/wp-content/avatar.png" class="avatar">'
        '<p><img src="https://cdn.example.com/img/roads.jpg" alt="Roads"> Road repairs.</p>'
    )
    record = parse(build_page(body=body))
    assert record.images == (
        ArticleImage(url="https://news.example.com/img/chamber.jpg",
                     caption="The council chamber"),
        ArticleImage(url="https://cdn.example.com/img/roads.jpg", caption=None),
    )


def test_text_density_finds_a_body_without_semantic_markup() -> None:
    html = (
        "<html><head><title>Budget approved</title></head><body>"
        '<div id="top"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport'
        "</a></div><table><tr><td class='left'><a href='/a'>Archive</a><br><a href='/b'>About</a>"
        "</td><td>" + PARAGRAPHS.replace("<p>", "<font>").replace("</p>", "</font><br><br>")
        + "</td></tr></table><div>Copyright 2014</div></body></html>"
    )
    record = parse(html, url="https://news.example.com/2014/11/04/budget.html")
    assert record.body.startswith("The county council approved its budget")
    assert "Archive" not in record.body and "Copyright" not in record.body
    assert record.provenance["body"] == "density"


def test_whitespace_and_no_break_spaces_are_normalised() -> None:
    body = PARAGRAPHS + "<p>  Roads&nbsp;and\n   libraries   first. </p>"
    assert parse(build_page(body=body)).body.endswith("\n\nRoads and libraries first.")


def test_article_printed_in_noscript_for_script_rendered_blogs_is_read() -> None:
    body = ("<script type='text/template'><p>The county council approved</p></script>"
            f"<noscript>{PARAGRAPHS}</noscript>")
    record = parse(build_page(body=body))
    assert record.body.startswith("The county council approved its budget on Tuesday")
    assert len(record.body.split("\n\n")) == 4


def test_tracking_noscript_inside_the_text_stays_out() -> None:
    body = PARAGRAPHS + '<noscript><p>Please enable JavaScript to view the comments.</p></noscript>'
    assert "enable JavaScript" not in parse(build_page(body=body)).body


def test_page_builder_widgets_holding_the_text_are_not_chrome() -> None:
    widgets = "".join(
        f'<div class="elementor-widget elementor-widget-text-editor"><div class='
        f'"elementor-widget-container">{paragraph}</p></div></div>'
        for paragraph in PARAGRAPHS.split("</p>")[:-1]
    )
    record = parse(build_page(body=f'<div class="elementor">{widgets}</div>'))
    assert len(record.body.split("\n\n")) == 4
    assert record.body.startswith("The county council approved")


def test_paywall_class_on_the_article_body_does_not_hide_it() -> None:
    comments = "".join(f'<li class="comment"><p>Reader {n} says the council got it wrong again '
                       f"and should resign, every one of them, this very week.</p></li>"
                       for n in range(30))
    html = build_page(after=f'<ol class="comment-list">{comments}</ol>').replace(
        '<div class="entry-content">', '<div class="entry-content paywall-container">'
    ).replace("<article>", '<article class="has-paywall">')
    record = parse(html)
    assert record.body.startswith("The county council approved")
    assert "Reader 3 says" not in record.body


def test_main_is_narrowed_to_the_article_without_the_teasers_around_it() -> None:
    teasers = "".join(
        f'<div class="card"><a href="/news/story-{n}/"><h3>Story {n}</h3><p>The excerpt of '
        f"story {n}, long enough to read like a paragraph of running text here.</p></a></div>"
        for n in range(6)
    )
    html = (
        '<html lang="en"><head><title>Budget approved | Example News</title></head><body>'
        f"<main><h1>Budget approved</h1><div class='story'>{PARAGRAPHS}</div>"
        f"<div class='bottom'><h2>Most viewed</h2>{teasers}</div></main></body></html>"
    )
    record = parse(html)
    assert record.body.startswith("The county council approved")
    assert "Story 1" not in record.body and "excerpt" not in record.body


def test_article_body_cut_into_marked_sections_is_read_whole() -> None:
    first, second = PARAGRAPHS.split("<p>The opposition")
    html = build_page(body="").replace(
        '<div class="entry-content"></div>',
        f'<div><section class="cms" itemprop="articleBody">{first}</section></div>'
        '<div class="ad-slot">Advertisement</div>'
        f'<div><section class="cms" itemprop="articleBody"><p>The opposition{second}'
        "</section></div>",
    )
    record = parse(html)
    assert len(record.body.split("\n\n")) == 4
    assert record.body.endswith("without cuts to bin collections.")
    assert "Advertisement" not in record.body


def test_a_related_box_inside_the_text_goes_but_the_text_after_it_stays() -> None:
    half = PARAGRAPHS.split("<p>The opposition")
    box = ('<div class="py-2"><div><h3>Related</h3><ul><li><a href="/a/">Other story</a></li>'
           '<li><a href="/b/">Another story</a></li></ul></div></div>')
    record = parse(build_page(body=half[0] + box + "<p>The opposition" + half[1]))
    assert "Related" not in record.body and "Other story" not in record.body
    assert record.body.endswith("without cuts to bin collections.")


def test_a_related_heading_in_the_text_ends_at_the_next_paragraph_of_text() -> None:
    half = PARAGRAPHS.split("<p>The opposition")
    inline = '<h3>Read more</h3><p><a href="/a/">Council tax frozen again</a></p>'
    record = parse(build_page(body=half[0] + inline + "<p>The opposition" + half[1]))
    assert "Council tax frozen again" not in record.body
    assert record.body.endswith("without cuts to bin collections.")


def test_newsletter_prompts_ad_labels_tag_lines_and_captions_are_left_out() -> None:
    body = (
        PARAGRAPHS
        + "<p>Never miss the latest news by signing up to our newsletter today!</p>"
        + "<p>SUBSCRIBE TO THE EVENING NEWSLETTER</p>"
        + "<p>ANZEIGE - Heute mal ausgehen? Wie wäre es mit:</p>"
        + '<p>Tags: <a href="/tag/budget/">budget</a>, <a href="/tag/council/">council</a></p>'
        + '<p>Mehr Themen:</p>'
        + '<p><span class="image-caption">The chamber at night. (Photo: iStock.com)</span></p>'
    )
    record = parse(build_page(body=body))
    for text in ("newsletter", "NEWSLETTER", "ANZEIGE", "Tags", "Mehr Themen", "iStock"):
        assert text not in record.body, text
    assert record.body.endswith("without cuts to bin collections.")


def test_a_caption_wrapper_holding_the_image_keeps_the_image() -> None:
    body = ('<div class="wp-caption"><img src="/img/chamber.jpg">'
            '<p class="wp-caption-text">The chamber</p></div>' + PARAGRAPHS)
    record = parse(build_page(body=body))
    assert [image.url for image in record.images] == ["https://news.example.com/img/chamber.jpg"]
    assert "The chamber" not in record.body.split("\n\n")[0]


def test_long_running_text_under_a_weak_chrome_class_is_kept() -> None:
    steps = "".join(f"<li>Step {n}: stir the noodles in the wok with the garlic, the tofu and "
                    "the beansprouts until everything is hot, glossy and well mixed.</li>"
                    for n in range(6))
    card = f'<div class="recipe-card header-content-align-left"><ol>{steps}</ol></div>'
    record = parse(build_page(body=PARAGRAPHS + card))
    assert "Step 5: stir the noodles" in record.body


def test_the_page_footer_is_never_the_container() -> None:
    legal = "".join(f"<p>Clause {n}: no liability, for links, or ads.</p>"
                    for n in range(6))
    html = (
        '<html lang="en"><head><title>Poster competition</title>'
        '<meta property="og:type" content="article"></head><body><div class="post">'
        "<h1>Poster competition</h1><blockquote><h3>Children between six and twelve are invited "
        "to take part in the competition with their colourful and creative ideas.</h3><h4>Design "
        "a poster on the theme of keeping our waters clean and send it in by the third of April "
        "to the organisers, who will show the best posters in the city all summer.</h4>"
        f"</blockquote></div><footer><div class='col'>{legal}</div></footer></body></html>"
    )
    record = parse(html, url="https://news.example.com/2020/02/23/poster/")
    assert "Children between six and twelve" in record.body
    assert "Clause" not in record.body


def test_text_written_straight_into_a_div_with_br_breaks_is_found_and_split() -> None:
    lines = ("Anchor: After heavy downpours on Monday, Tuesday morning was met with strong, cold "
             "winds that brought early winter temperatures.<br>Max Lee has more.<br><br>"
             "Report: People out on the streets were seen wearing layers throughout the day, "
             "as the temperatures felt as though winter had descended.<br><br>"
             "The first cold wave alert of the season was in effect on Tuesday.")
    html = (
        '<html lang="en"><head><title>Cold wave</title>'
        '<meta property="og:type" content="article"></head><body>'
        '<div class="nav"><a href="/">Home</a></div><div class="body_txt">'
        '<div class="img_box"><img src="/img/cold.jpg"><p class="caption">Photo : Agency</p></div>'
        f'{lines}<script type="text/javascript"/>(function() {{ var x = 1; }})();</div>'
        "<div class='foot'><p>All rights reserved.</p></div></body></html>"
    )
    record = parse(html, url="https://news.example.com/2023/11/07/cold-wave.html")
    assert record.body.split("\n\n") == [
        "Anchor: After heavy downpours on Monday, Tuesday morning was met with strong, cold "
        "winds that brought early winter temperatures.\nMax Lee has more.",
        "Report: People out on the streets were seen wearing layers throughout the day, as the "
        "temperatures felt as though winter had descended.",
        "The first cold wave alert of the season was in effect on Tuesday.",
    ]


def test_teaser_cards_wrapped_in_links_do_not_count_as_text() -> None:
    cards = "".join(
        f'<a href="/story-{n}/"><p>Story {n}: a long excerpt of another article on the site, '
        "written to look like running text, with commas, clauses and all the rest.</p></a>"
        for n in range(12)
    )
    html = (
        '<html lang="en"><head><title>Budget</title></head><body>'
        f'<div class="story"><h1>Budget approved</h1>{PARAGRAPHS}</div>'
        f'<div class="more">{cards}</div></body></html>'
    )
    record = parse(html, url="https://news.example.com/2014/11/04/budget.html")
    assert record.body.startswith("The county council approved")
    assert "Story 3" not in record.body


def test_a_list_whose_only_item_is_a_link_is_left_out() -> None:
    item = '<li><a href="/timeline/"><strong>The latest news</strong></a></li>'
    body = PARAGRAPHS + f"<ul>{item}</ul>"
    assert "The latest news" not in parse(build_page(body=body)).body


def test_related_headings_in_other_languages_end_the_text() -> None:
    body = PARAGRAPHS + ('<div class="rec-posts"><h3>Empfohlene Beiträge</h3>'
                         "<p>Wie Data Science in einer Pandemiesituation helfen kann, mit vielen "
                         "Beispielen aus der Praxis und einer langen Einleitung dazu.</p></div>")
    assert "Empfohlene" not in parse(build_page(body=body, lang="de")).body


def test_article_text_cut_into_parts_sharing_a_class_is_read_whole() -> None:
    # One CMS content element per section, an ad between them: the parts share tag and class.
    first, second = PARAGRAPHS.split("<p>The opposition")
    html = build_page(body="").replace(
        '<div class="entry-content"></div>',
        f'<div class="row"><div class="cms-block">{first}</div></div>'
        '<div class="row"><div class="ad-slot">Advertisement</div></div>'
        f'<div class="row"><div class="cms-block"><p>The opposition{second}</div></div>',
    )
    # No <article> or <main> around them: text density finds one part, its class the others.
    for tag in ("article", "main"):
        html = html.replace(f"<{tag}>", "<div>").replace(f"</{tag}>", "</div>")
    record = parse(html)
    assert record.body.startswith("The county council approved")
    assert record.body.endswith("without cuts to bin collections.")
    assert "Advertisement" not in record.body


def test_an_rdfa_article_body_on_a_bare_div_is_the_container() -> None:
    # RDFa's property="articleBody" names the text as microdata's itemprop does, also on an
    # element with no class, id or itemprop at all.
    html = (
        "<html><head><title>Budget approved</title></head><body>"
        "<div><h2>Other news</h2><p>A short teaser about the weekend's football results.</p>"
        f'</div><div property="articleBody">{PARAGRAPHS}</div></body></html>'
    )
    record = parse(html, url="https://news.example.com/2014/11/04/budget.html")
    assert record.body.startswith("The county council approved its budget")
    assert "football" not in record.body
    assert record.provenance["body"] == "itemprop"
