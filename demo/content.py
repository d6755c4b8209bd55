"""The demo site's invented articles: what each one says, when, by whom and in which template.

Every article here is fiction written for the demo (the five "Similar Articles" of the
reference article reuse the real headlines and teasers that page shows, with invented
bodies). Article text is a small markup read by ``demo.site``:

- paragraphs are separated by blank lines;
- ``## Heading`` is a crosshead inside the article;
- a block of ``- item`` lines is a bullet list, a block of ``1. item`` lines a numbered
  list; the paragraph before a list introduces it when it ends with a colon;
- ``+N`` stands for N filler paragraphs, drawn (with a seed: the article's slug) from
  ``FILLER``, so that pages are of realistic length without pages of hand-written prose.
"""

# ruff: noqa: RUF001  (the articles' typographic quotes and apostrophes are the point)

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# Templates, one per kind of regional news page the demo imitates (see demo/templates.py).
WORDPRESS = "wordpress"  # the site's current theme: the reference article's markup
GROUP = "group"  # a big regional group's CMS: JSON-LD @graph, <time datetime>, ads
SMALL_BLOG = "small-blog"  # a small site with no metadata at all
DATED = "dated"  # "Nov 6, 2014 at 10:31 am" with article:published_time/modified_time
LEGACY = "legacy"  # a 2009 page in windows-1252 with no charset declared anywhere
LEGACY_MISLABELLED = "legacy-mislabelled"  # UTF-8 bytes that claim to be iso-8859-1

TEMPLATES = (WORDPRESS, GROUP, SMALL_BLOG, DATED, LEGACY, LEGACY_MISLABELLED)


@dataclass(frozen=True, slots=True)
class Comment:
    """A reader's comment under an article; ``when`` is local (Europe/London) time."""

    name: str
    when: datetime
    text: str


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    """One invented article as written; ``when``/``modified`` are naive Europe/London times.

    ``when`` is a date when the template prints no time of day.
    """

    slug: str
    template: str
    title: str
    when: date | datetime
    text: str
    authors: tuple[str, ...] = ()
    section: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    modified: datetime | None = None
    excerpt: str | None = None  # the teaser other pages show; default: first 15 words
    figure: str | None = None  # caption of the one in-article picture
    comments: tuple[Comment, ...] = ()
    related: tuple[str, ...] = ()  # slugs of articles this one links as related
    variant: str | None = None  # a template's date style, e.g. "posted-on"
    private: bool = False  # under /private/: disallowed by robots.txt


AUTHOR_BIOS = {
    "Eleanor Marsh": "Eleanor Marsh is the demo site’s politics editor and has covered the "
    "council house for fifteen years.",
    "Rajinder Bains": "Rajinder Bains writes about transport, planning and the regional economy.",
    "Tom Whitlock": "Tom Whitlock is a former council officer who now writes about local "
    "government finance.",
    "Aisha Khan": "Aisha Khan covers education, health and communities across the West Midlands.",
    "Gareth Pryce": "Gareth Pryce is the demo site’s Westminster correspondent.",
    "Chloe Adeyemi": "Chloe Adeyemi reports on housing, policing and the courts.",
    "Martin Hale": "Martin Hale is a columnist and former editor of a regional daily.",
    "Sophie Turnbull": "Sophie Turnbull covers culture, sport and the Commonwealth Games.",
    "Daniel O’Connor": "Daniel O’Connor is a data journalist who likes a good spreadsheet.",
    "Priya Sandhu": "Priya Sandhu reports on business and the city centre.",
}

SECTIONS = ("News", "Analysis", "Comment", "Birmingham", "West Midlands", "Elections")

# Filler: sentences in the voice of regional politics coverage, none tied to one story.
FILLER = (
    "Councillors from all three main parties have said they will scrutinise the figures "
    "closely when they come before the cabinet next month.",
    "A council spokesman said the authority remained committed to working with partners "
    "across the region.",
    "The proposals will go out to public consultation in the new year, with a final "
    "decision expected in the spring.",
    "Opposition leaders have called for an independent review of the decision.",
    "Business groups in the city centre have broadly welcomed the plans, though some "
    "traders remain unconvinced.",
    "The figures were published in a report to the overview and scrutiny committee on "
    "Tuesday.",
    "It is not the first time the issue has come before the council.",
    "Similar schemes in Manchester and Leeds have had mixed results, according to "
    "researchers at the University of Birmingham.",
    "Officials say the timetable is ambitious but achievable.",
    "Campaigners, who have gathered more than 3,000 signatures on a petition, say they "
    "were not properly consulted.",
    "The West Midlands Combined Authority is expected to discuss the matter at its next "
    "board meeting.",
    "Funding for the scheme comes partly from the government’s Local Growth Fund.",
    "Residents will be able to view the plans at a series of drop-in sessions at local "
    "libraries.",
    "The cabinet member responsible declined to comment further while talks continue.",
    "Unions have warned that staff morale is already at a low ebb.",
    "A final business case will be submitted to the Department for Transport later this "
    "year.",
    "The council’s own auditors raised similar concerns in their annual letter.",
    "Ward councillors say they have received dozens of complaints from constituents.",
    "The plans form part of the city’s wider Big City Plan for the next twenty years.",
    "Critics point out that the same promises were made five years ago.",
    "The chamber of commerce said certainty was what its members needed most.",
    "A report setting out the options is due to be published before Christmas.",
    "The authority has already made savings of more than £500 million since 2010.",
    "Some backbench councillors privately admit the numbers do not add up.",
    "Ministers have so far refused to be drawn on whether extra money will be made "
    "available.",
    "The scheme’s supporters say it will create hundreds of jobs during construction.",
    "Neighbouring authorities in Solihull and Sandwell are watching closely.",
    "Local MPs have written to the secretary of state asking for a meeting.",
    "The decision can be called in by the scrutiny committee within five working days.",
    "Whatever happens next, the row is unlikely to go away quickly.",
    "The council leader is expected to make a statement at the next full council meeting.",
    "Independent experts say the risks have been understated.",
    "Bus operators have also been asked for their views.",
    "The timing, just months before the local elections, has not gone unnoticed.",
    "Similar concerns were raised when the original plans were drawn up in 2012.",
    "A spokeswoman for the combined authority said discussions were at an early stage.",
    "The figures do not include the cost of borrowing, which could add millions more.",
    "There is cross-party support for the principle, if not for the detail.",
    "It remains to be seen whether the government will agree.",
    "Trade union leaders are due to meet council officials again next week.",
    "Those who live nearby say they simply want to be kept informed.",
    "The report’s authors acknowledge that their data is incomplete.",
    "Some of the money has already been spent on feasibility studies.",
    "Few people expect the matter to be settled before the summer.",
    "The council has promised to publish the full responses to the consultation.",
    "A similar approach was tried in the 1990s and quietly abandoned.",
    "Planning officers have recommended that the application be approved with conditions.",
    "Local businesses say they were given less than a week’s notice.",
    "The watchdog will publish its full findings later in the year.",
    "Supporters argue that doing nothing is not an option.",
)


def _d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def _t(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute)


REFERENCE_SLUG = "police-criticised-over-poor-response-to-west-midlands-child-abuse-cases"

ARTICLES: tuple[ArticleSpec, ...] = (
    # -- The five "Similar Articles" of the reference page (WordPress theme) ----------------
    ArticleSpec(
        slug="tourist-charge-shouldnt-depend-on-the-games",
        template=WORDPRESS,
        title="Tourist charge shouldn’t depend on the Games",
        when=_d(2017, 12, 18),
        authors=("Martin Hale",),
        section="Comment",
        tags=("Commonwealth Games", "tourist tax"),
        excerpt="Did you notice the wording of the Birmingham Post’s front-page Commonwealth "
        "Games story last week",
        text="""
        Did you notice the wording of the Birmingham Post’s front-page Commonwealth Games
        story last week? A tourist charge on hotel rooms, it said, was being considered “to
        help pay for the Games”.

        That is the wrong way round. If a modest levy on overnight visitors is a good idea,
        it is a good idea whether or not the athletes come to Perry Barr in 2022.

        +2

        Cities across Europe have charged visitors a euro or two a night for years, and
        there is little evidence that it keeps anyone away.

        The case for a charge rests on three simple points:

        - visitors use services that residents pay for through council tax;
        - the money can be ring-fenced for culture and the visitor economy;
        - hotels in the city centre have had their best three years on record.

        +2

        Tie the charge to the Games and it becomes a temporary fix for a one-off bill. Make
        the case on its own merits and it could outlast the closing ceremony by decades.
        """,
        related=(
            "commonwealth-games-finishing-line-extended-again",
            "an-optimism-of-mayors",
            "council-ceo-baxendale-for-birmingham",
        ),
    ),
    ArticleSpec(
        slug="a-week-a-day-is-a-long-time-in-politics",
        template=WORDPRESS,
        title="A week? A day is a long time in politics",
        when=_d(2017, 12, 12),
        authors=("Eleanor Marsh",),
        section="Analysis",
        tags=("Commonwealth Games", "City of Culture", "Brexit"),
        excerpt="From City of Culture to the Commonwealth Games (with “sufficient progress” "
        "in the Brexit negotiations",
        text="""
        From City of Culture to the Commonwealth Games (with “sufficient progress” in the
        Brexit negotiations thrown in for good measure), the last seven days have been quite
        something for the region.

        Coventry’s win was expected by few outside the city. Birmingham’s confirmation as
        host of the 2022 Games had been trailed for weeks, but the relief in the council
        house was still palpable.

        +3

        ## What happens next

        The immediate tasks are unglamorous. The council must finalise its funding
        agreement with the government, appoint an organising committee and settle the
        future of the athletes’ village in Perry Barr.

        +2
        """,
        related=(
            "tourist-charge-shouldnt-depend-on-the-games",
            "commonwealth-games-finishing-line-extended-again",
            "council-ceo-baxendale-for-birmingham",
        ),
    ),
    ArticleSpec(
        slug="council-ceo-baxendale-for-birmingham",
        template=WORDPRESS,
        title="Council CEO: Baxendale for Birmingham",
        when=_d(2017, 12, 5),
        authors=("Tom Whitlock",),
        section="News",
        tags=("Birmingham City Council", "chief executive"),
        excerpt="Dawn Baxendale, currently chief executive of Southampton City Council, will "
        "be appointed as chief executive",
        text="""
        Dawn Baxendale, currently chief executive of Southampton City Council, will be
        appointed as chief executive of Birmingham City Council, subject to a vote of the
        full council next week.

        She would be the authority’s fourth permanent chief executive in five years, after a
        period in which the post has been filled on an interim basis more often than not.

        +2

        The appointment panel’s report lists the priorities for the new chief executive:

        1. a balanced budget for 2018/19 without further use of reserves;
        2. an end to the long-running dispute over refuse collection;
        3. delivery of the Commonwealth Games on time and on budget;
        4. a settled senior management team.

        +2
        """,
        comments=(
            Comment("Brummie Bob", _t(2017, 12, 5, 10, 12),
                    "Fourth in five years. Let’s hope this one stays a while."),
            Comment("Jane S", _t(2017, 12, 5, 13, 40),
                    "The refuse dispute should be first on that list, not second."),
            Comment("Councillor watcher", _t(2017, 12, 6, 8, 3),
                    "Southampton’s loss. The salary is not in the report, which is telling."),
        ),
        related=(
            "a-week-a-day-is-a-long-time-in-politics",
            "an-optimism-of-mayors",
            "council-tax-what-the-rise-means-for-you",
        ),
    ),
    ArticleSpec(
        slug="an-optimism-of-mayors",
        template=WORDPRESS,
        title="An Optimism of Mayors",
        when=_d(2017, 11, 21),
        authors=("Martin Hale",),
        section="Comment",
        tags=("mayors", "devolution"),
        excerpt="What is the collective noun for Mayors, you might be wondering? OK, you "
        "probably weren't.",
        text="""
        What is the collective noun for Mayors, you might be wondering? OK, you probably
        weren't.

        But when six of England’s new metro mayors shared a stage in Birmingham this week,
        the mood was so upbeat that “an optimism” seemed about right.

        +3

        The mayors agreed on more than they disagreed. Their joint statement asked for:

        - a single pot of transport money, settled for five years at a time;
        - powers over skills funding for adults;
        - a say in how the replacement for European regional funds is spent.

        +1
        """,
        related=(
            "streets-first-year-a-report-card",
            "tourist-charge-shouldnt-depend-on-the-games",
            "a-week-a-day-is-a-long-time-in-politics",
        ),
    ),
    ArticleSpec(
        slug="commonwealth-games-finishing-line-extended-again",
        template=WORDPRESS,
        title="Commonwealth Games finishing line extended…again",
        when=_d(2017, 11, 9),
        authors=("Sophie Turnbull",),
        section="News",
        tags=("Commonwealth Games",),
        excerpt="If the race to host the Commonwealth Games was itself a sporting event, one "
        "team",
        text="""
        If the race to host the Commonwealth Games was itself a sporting event, one team
        would by now be running alone, and the finishing line would still be moving.

        The Commonwealth Games Federation has again put back its decision on the host city
        for 2022, leaving Birmingham’s bid team waiting for at least another month.

        +2

        A spokesman for the bid told the demo site: “We have answered every question put
        to us. We are ready whenever the federation is.”

        +2
        """,
        related=(
            "tourist-charge-shouldnt-depend-on-the-games",
            "a-week-a-day-is-a-long-time-in-politics",
            "metro-extension-to-edgbaston-gets-green-light",
        ),
    ),
    # -- More WordPress-theme articles ---------------------------------------------------------
    ArticleSpec(
        slug="metro-extension-to-edgbaston-gets-green-light",
        template=WORDPRESS,
        title="Metro extension to Edgbaston gets green light",
        when=_d(2017, 10, 24),
        authors=("Rajinder Bains",),
        section="West Midlands",
        tags=("Metro", "transport", "Edgbaston"),
        figure="A tram at the Grand Central stop, where the extension will begin.",
        text="""
        The extension of the Midland Metro from the city centre to Edgbaston has been given
        the go-ahead, with construction due to start next summer.

        The 2km line will run from Centenary Square along Broad Street to Five Ways and
        Hagley Road, with five new stops.

        +2

        The new stops will be:

        1. Centenary Square
        2. Brindleyplace
        3. Five Ways
        4. Edgbaston Village
        5. Hagley Road

        +3
        """,
        comments=(
            Comment("Hagley Road resident", _t(2017, 10, 24, 19, 22),
                    "Two years of roadworks on Broad Street. Can’t wait."),
        ),
        related=(
            "commonwealth-games-finishing-line-extended-again",
            "streets-first-year-a-report-card",
            "an-optimism-of-mayors",
        ),
    ),
    ArticleSpec(
        slug="council-tax-what-the-rise-means-for-you",
        template=WORDPRESS,
        title="Council tax: what the 4.99% rise means for you",
        when=_d(2018, 1, 30),
        authors=("Tom Whitlock", "Daniel O’Connor"),
        section="Birmingham",
        tags=("council tax", "budget", "Birmingham City Council"),
        text="""
        Birmingham’s council tax will rise by 4.99% in April, the maximum allowed without a
        referendum, after the cabinet agreed its budget proposals on Tuesday.

        Of the increase, 3% is the social care precept, which must be spent on adult social
        care. The rest goes into the council’s general budget.

        For a Band D home the annual bill, before the police and fire precepts, rises:

        - from £1,356.99 to £1,424.70 for the council’s share;
        - by about £1.30 a week in total.

        +3

        ## Where the money goes

        +2
        """,
        related=(
            "council-ceo-baxendale-for-birmingham",
            "tourist-charge-shouldnt-depend-on-the-games",
            "a-week-a-day-is-a-long-time-in-politics",
        ),
    ),
    ArticleSpec(
        slug="streets-first-year-a-report-card",
        template=WORDPRESS,
        title="Street’s first year: a report card",
        when=_d(2018, 5, 8),
        authors=("Eleanor Marsh",),
        section="Analysis",
        tags=("mayors", "West Midlands Combined Authority", "devolution"),
        text="""
        A year ago this week Andy Street was elected the first Mayor of the West Midlands.
        How has he done against his own manifesto?

        We went through the 2017 manifesto line by line. Of its 70 pledges, our count is:

        - 21 delivered;
        - 33 under way;
        - 11 not started;
        - 5 quietly dropped.

        +3

        The mayor’s office disputes some of these. A spokesman said: “The mayor has done in
        twelve months what many thought would take four years.”

        +2
        """,
        related=(
            "an-optimism-of-mayors",
            "metro-extension-to-edgbaston-gets-green-light",
            "council-tax-what-the-rise-means-for-you",
        ),
    ),
    ArticleSpec(
        slug="draft-budget-the-cuts-nobody-wants-to-talk-about",
        template=WORDPRESS,
        title="Draft budget: the cuts nobody wants to talk about",
        when=_d(2018, 2, 14),
        authors=("Tom Whitlock",),
        section="Analysis",
        tags=("budget",),
        private=True,
        text="""
        This draft is embargoed and must not be published before the cabinet meets. A
        correct crawler never fetches it: robots.txt disallows everything under /private/.

        The leaked draft budget lists savings of £38 million that have not yet been
        announced.

        +3
        """,
    ),
    # -- Big-group template: JSON-LD @graph, <time datetime>, ads ---------------------------
    ArticleSpec(
        slug="birmingham-city-council-faces-300m-equal-pay-bill",
        template=GROUP,
        title="Birmingham City Council faces £300m equal pay bill",
        when=_t(2014, 11, 3, 18, 45),
        modified=_t(2014, 11, 4, 9, 12),
        authors=("Chloe Adeyemi", "Tom Whitlock"),
        section="Birmingham",
        tags=("equal pay", "Birmingham City Council"),
        summary="The authority says it may have to sell assets to meet the cost of new claims.",
        text="""
        Birmingham City Council faces a further bill of up to £300 million to settle equal
        pay claims, a report to cabinet has revealed.

        The authority has already paid out more than £1 billion since 2010, when the
        Supreme Court ruled that thousands of women had been paid less than men in
        comparable jobs.

        +2

        ## Asset sales considered

        The report says the council may have to sell property to meet the cost, including:

        - part of its stake in Birmingham Airport;
        - the National Exhibition Centre, which is already being marketed;
        - surplus land held by the housing department.

        +2
        """,
        related=(
            "kerslake-review-birmingham-council-too-big",
            "west-midlands-devolution-deal-what-it-means",
        ),
    ),
    ArticleSpec(
        slug="kerslake-review-birmingham-council-too-big",
        template=GROUP,
        title="Kerslake review: Birmingham council ‘too big’ to run itself",
        when=_t(2014, 12, 9, 14, 30),
        authors=("Eleanor Marsh",),
        section="Birmingham",
        tags=("Kerslake review", "Birmingham City Council"),
        summary="A government-commissioned review says the UK’s largest council must change "
        "the way it works.",
        text="""
        Birmingham City Council is too big to be run as it is, a review commissioned by the
        government has concluded.

        Sir Bob Kerslake’s report says the council’s size has been used as an excuse for
        poor performance and that an independent improvement panel should oversee changes.

        +2

        The review makes a series of recommendations, the most important of which are:

        1. an independent improvement panel, reporting to ministers;
        2. all-out council elections every four years from 2017;
        3. a new relationship with the city’s ten district committees;
        4. a smaller, more strategic cabinet.

        +3
        """,
        related=(
            "birmingham-city-council-faces-300m-equal-pay-bill",
            "west-midlands-devolution-deal-what-it-means",
        ),
    ),
    ArticleSpec(
        slug="paradise-circus-library-demolition-date-set",
        template=GROUP,
        title="Paradise Circus: Central Library demolition date set",
        when=_t(2015, 6, 17, 7, 30),
        authors=("Priya Sandhu",),
        section="Birmingham",
        tags=("Paradise Circus", "planning"),
        summary="The brutalist library closed in 2013 and will come down within months.",
        figure="The old Central Library, designed by John Madin, opened in 1974.",
        text="""
        Demolition of Birmingham’s old Central Library will begin in the autumn, developers
        of the Paradise Circus scheme have confirmed.

        The inverted ziggurat, designed by John Madin and opened in 1974, closed in 2013
        when the new Library of Birmingham opened in Centenary Square.

        +3

        Campaigners who fought to have the building listed said they were saddened but not
        surprised.

        +1
        """,
        related=("new-street-station-reopens-after-750m-revamp",),
    ),
    ArticleSpec(
        slug="hs2-curzon-street-station-designs-unveiled",
        template=GROUP,
        title="HS2: Curzon Street station designs unveiled",
        when=_t(2015, 9, 10, 11, 0),
        modified=_t(2015, 9, 10, 15, 20),
        authors=("Rajinder Bains",),
        section="West Midlands",
        tags=("HS2", "transport"),
        summary="The terminus will have seven platforms and a new public square.",
        text="""
        The first designs for HS2’s Birmingham terminus at Curzon Street have been
        published, showing a glass-fronted station with a sweeping canopy.

        HS2 Ltd says the station will be the first new intercity terminus built in Britain
        since the 19th century.

        The key features of the design are:

        1. seven 400-metre platforms;
        2. a new public square linking the station to Eastside;
        3. a Metro stop outside the main entrance;
        4. the restored Old Curzon Street station building as an entrance hall.

        +3
        """,
        related=(
            "new-street-station-reopens-after-750m-revamp",
            "tram-services-suspended-after-overhead-line-failure",
        ),
    ),
    ArticleSpec(
        slug="west-midlands-devolution-deal-what-it-means",
        template=GROUP,
        title="West Midlands devolution deal: what it means",
        when=_t(2015, 11, 17, 12, 0),
        authors=("Gareth Pryce",),
        section="West Midlands",
        tags=("devolution", "West Midlands Combined Authority", "mayors"),
        summary="An elected mayor, a £1bn investment fund and control of the Metro.",
        text="""
        The government and the seven metropolitan councils of the West Midlands have signed
        a devolution deal worth £1.1 billion over 30 years.

        In return, the region will elect a mayor in May 2017.

        Under the deal the new combined authority will get:

        - £36.5 million a year for 30 years to invest in growth;
        - control of a consolidated transport budget;
        - powers over adult skills funding from 2018;
        - a role in running local employment support.

        +3
        """,
        related=(
            "kerslake-review-birmingham-council-too-big",
            "birmingham-city-council-faces-300m-equal-pay-bill",
        ),
    ),
    ArticleSpec(
        slug="new-street-station-reopens-after-750m-revamp",
        template=GROUP,
        title="New Street station reopens after £750m revamp",
        when=_t(2015, 9, 20, 6, 0),
        authors=("Rajinder Bains", "Priya Sandhu"),
        section="Birmingham",
        tags=("New Street", "transport"),
        summary="Thousands of passengers got their first look at the new concourse.",
        figure="Passengers under the new atrium on the first morning.",
        text="""
        Birmingham New Street station has fully reopened after a five-year, £750 million
        rebuild, with thousands of passengers getting their first look at the new concourse.

        The station, which handles more than 170,000 passengers a day, stayed open
        throughout the works.

        +3

        A Network Rail spokeswoman said: “This is a station the city can be proud of.”

        +1
        """,
        related=(
            "hs2-curzon-street-station-designs-unveiled",
            "paradise-circus-library-demolition-date-set",
        ),
    ),
    ArticleSpec(
        slug="tram-services-suspended-after-overhead-line-failure",
        template=GROUP,
        title="Tram services suspended after overhead line failure",
        when=_t(2016, 1, 14, 8, 5),
        modified=_t(2016, 1, 14, 12, 47),
        authors=("Rajinder Bains",),
        section="West Midlands",
        tags=("Metro", "transport"),
        summary="Replacement buses are running between Wolverhampton and Birmingham.",
        text="""
        Midland Metro services between Wolverhampton and Birmingham have been suspended
        after a failure of the overhead power lines near The Hawthorns.

        Replacement buses are running, and tickets are being accepted on local trains.

        +2

        National Express Midland Metro said engineers were working to restore services as
        soon as possible.

        +1
        """,
        related=("hs2-curzon-street-station-designs-unveiled",),
    ),
    ArticleSpec(
        slug="bin-strike-talks-collapse",
        template=GROUP,
        title="Bin strike talks collapse as rubbish piles up",
        when=_t(2016, 3, 2, 16, 20),
        authors=("Chloe Adeyemi",),
        section="Birmingham",
        tags=("bin strike", "Birmingham City Council"),
        summary="Unite says the council’s offer falls short.",
        text="""
        Talks to end the dispute over refuse collection in Birmingham have collapsed, with
        both sides blaming the other.

        Unite said the council’s offer “falls well short” of what its members had been
        promised.

        +3
        """,
        related=("birmingham-city-council-faces-300m-equal-pay-bill",),
    ),
    # -- Small site: no metadata, printed dates only ----------------------------------------
    ArticleSpec(
        slug="moseley-residents-fight-plans-for-40-homes",
        template=SMALL_BLOG,
        variant="dayname",
        title="Moseley residents fight plans for 40 homes",
        when=_d(2014, 10, 28),
        authors=("Anna Mistry",),
        tags=("Moseley", "planning"),
        text="""
        Residents in Moseley have launched a campaign against plans to build 40 homes on
        playing fields off Wake Green Road.

        More than 200 people packed into the church hall on Saturday to hear the developer
        explain the scheme.

        The residents’ association says it objects because:

        - the site is one of the last open spaces in the ward;
        - the junction with Wake Green Road is already dangerous;
        - local primary schools are full.

        +2
        """,
        related=(
            "kings-heath-traders-say-parking-charges-hurting-business",
            "allotment-waiting-lists-hit-record-high",
        ),
    ),
    ArticleSpec(
        slug="kings-heath-traders-say-parking-charges-hurting-business",
        template=SMALL_BLOG,
        variant="posted-on",
        title="Kings Heath traders say parking charges hurting business",
        when=_d(2014, 11, 5),
        authors=("Anna Mistry", "Tom Riley"),
        tags=("Kings Heath", "parking"),
        text="""
        Traders on Kings Heath High Street say new parking charges are driving customers to
        out-of-town retail parks.

        The charges, introduced in September, cost £1.20 an hour in the council car park
        behind the library.

        Shopkeepers we spoke to told us that:

        - footfall is down by a fifth on Saturdays;
        - two shops have closed since the charges came in;
        - customers are parking in side streets instead.

        +2
        """,
        comments=(
            Comment("Kev", _t(2014, 11, 5, 21, 14),
                    "I used to shop there every week. Not any more."),
        ),
        related=("moseley-residents-fight-plans-for-40-homes",),
    ),
    ArticleSpec(
        slug="community-centre-saved-by-crowdfunding",
        template=SMALL_BLOG,
        variant="posted-on",
        title="Community centre saved by crowdfunding campaign",
        when=_d(2014, 12, 3),
        authors=("Tom Riley",),
        tags=("Balsall Heath", "community"),
        text="""
        A community centre in Balsall Heath that was due to close at Christmas has been
        saved after a crowdfunding campaign raised £48,000 in six weeks.

        More than 900 people donated, some giving as little as £1.

        +2

        The money will pay for:

        - a new roof;
        - heating for the main hall;
        - a part-time manager for two years.
        """,
        related=("allotment-waiting-lists-hit-record-high",),
    ),
    ArticleSpec(
        slug="allotment-waiting-lists-hit-record-high",
        template=SMALL_BLOG,
        variant="dayname",
        title="Allotment waiting lists hit record high",
        when=_d(2014, 11, 17),
        authors=("Anna Mistry",),
        tags=("allotments",),
        text="""
        Almost 2,000 people are now on waiting lists for allotments in Birmingham, the
        highest number since records began.

        Some sites in the south of the city have waiting lists of more than five years.

        +3
        """,
        related=("moseley-residents-fight-plans-for-40-homes",),
    ),
    ArticleSpec(
        slug="canal-towpath-upgrade-finally-finished",
        template=SMALL_BLOG,
        variant="posted-on",
        title="Canal towpath upgrade finally finished",
        when=_d(2014, 10, 9),
        authors=("Tom Riley",),
        tags=("canals", "cycling"),
        text="""
        The resurfacing of the Worcester and Birmingham Canal towpath between Selly Oak and
        Kings Norton is finally finished, eight months late.

        Cyclists and walkers have complained for months about diversions and mud.

        +2
        """,
        related=("community-centre-saved-by-crowdfunding",),
    ),
    ArticleSpec(
        slug="library-opening-hours-cut-in-budget-squeeze",
        template=SMALL_BLOG,
        variant="dayname",
        title="Library opening hours cut in budget squeeze",
        when=_d(2015, 1, 14),
        authors=("Anna Mistry", "Tom Riley"),
        tags=("libraries", "budget"),
        text="""
        Community libraries across the city will open for fewer hours from April under the
        council’s budget proposals.

        The changes at our local branches are:

        - Kings Heath: closed on Mondays and Wednesdays;
        - Moseley: open three days a week;
        - Balsall Heath: closed on Saturdays.

        +2
        """,
        related=("community-centre-saved-by-crowdfunding",),
    ),
    ArticleSpec(
        slug="residents-guide-to-the-new-recycling-rules",
        template=SMALL_BLOG,
        variant="posted-on",
        title="A residents’ guide to the new recycling rules",
        when=_d(2015, 2, 2),
        authors=("Tom Riley",),
        tags=("recycling", "bins"),
        text="""
        From March the council is changing what goes in which bin. Here is what you need to
        know.

        The green-lidded bin will now take:

        - glass bottles and jars;
        - food tins and drinks cans;
        - plastic bottles, but not plastic bags.

        The brown garden waste bin will cost £35 a year from April.

        +2
        """,
        related=("library-opening-hours-cut-in-budget-squeeze",),
    ),
    # -- Dated permalinks: "Nov 6, 2014 at 10:31 am", published/modified meta ---------------
    ArticleSpec(
        slug="mayor-debate-council-leaders-split",
        template=DATED,
        title="Mayor debate: council leaders split on elected mayor",
        when=_t(2014, 11, 6, 10, 31),
        modified=_t(2014, 11, 7, 9, 2),
        authors=("Gareth Pryce",),
        section="Elections",
        tags=("mayors", "devolution"),
        text="""
        The leaders of the seven West Midlands metropolitan councils are split over whether
        the region should have an elected mayor.

        Three leaders told a conference in Birmingham on Wednesday that they would accept a
        mayor if it was the price of a devolution deal. Two said they would not.

        +3
        """,
        comments=(
            Comment("Sutton voter", _t(2014, 11, 6, 14, 15),
                    "We voted no to a mayor in 2012. Why are we asking again?"),
        ),
        related=("police-and-crime-commissioner-by-election-turnout",),
    ),
    ArticleSpec(
        slug="selly-oak-bypass-opens-two-months-early",
        template=DATED,
        title="Selly Oak bypass opens two months early",
        when=_t(2014, 10, 2, 9, 5),
        modified=_t(2014, 10, 2, 17, 40),
        authors=("Rajinder Bains",),
        section="Birmingham",
        tags=("transport", "Selly Oak"),
        text="""
        The Selly Oak New Road opened to traffic on Thursday morning, two months ahead of
        schedule.

        The £45 million road takes through traffic away from Bristol Road and the busy
        shopping area around the Triangle.

        +3
        """,
        related=("mayor-debate-council-leaders-split",),
    ),
    ArticleSpec(
        slug="police-and-crime-commissioner-by-election-turnout",
        template=DATED,
        title="Police and crime commissioner by-election turnout just 10%",
        when=_t(2014, 8, 22, 7, 15),
        modified=_t(2014, 8, 22, 11, 30),
        authors=("Chloe Adeyemi",),
        section="Elections",
        tags=("PCC", "West Midlands Police", "elections"),
        text="""
        Only one in ten voters took part in the West Midlands police and crime commissioner
        by-election, the lowest turnout for any election in the region.

        The result, declared overnight at the NEC, was:

        1. Labour: 50.8%;
        2. Conservative: 26.5%;
        3. UKIP: 22.7%.

        +2
        """,
        related=("mayor-debate-council-leaders-split",),
    ),
    ArticleSpec(
        slug="trojan-horse-what-the-clarke-report-found",
        template=DATED,
        title="Trojan Horse: what the Clarke report found",
        when=_t(2014, 7, 22, 16, 48),
        modified=_t(2014, 7, 23, 8, 0),
        authors=("Aisha Khan",),
        section="News",
        tags=("schools", "Trojan Horse"),
        text="""
        The report by Peter Clarke into allegations about Birmingham schools was published
        on Tuesday afternoon.

        Its main findings include:

        - a small number of people sought to introduce an intolerant ideology into some
          schools;
        - governors exerted inappropriate influence over head teachers;
        - warnings had been given to the council for years without action.

        +3
        """,
        related=("budget-consultation-1000-jobs-at-risk",),
    ),
    ArticleSpec(
        slug="airport-runway-extension-opens",
        template=DATED,
        title="Airport runway extension opens to first flights",
        when=_t(2014, 4, 30, 12, 0),
        modified=_t(2014, 4, 30, 18, 25),
        authors=("Priya Sandhu",),
        section="West Midlands",
        tags=("Birmingham Airport", "transport"),
        text="""
        The first flight to use Birmingham Airport’s extended runway took off at noon on
        Wednesday.

        The 400-metre extension means aircraft can now fly direct to destinations in China,
        South America and the west coast of the United States.

        +3
        """,
        related=("selly-oak-bypass-opens-two-months-early",),
    ),
    ArticleSpec(
        slug="budget-consultation-1000-jobs-at-risk",
        template=DATED,
        title="Budget consultation: 1,000 jobs at risk",
        when=_t(2014, 12, 9, 0, 15),
        modified=_t(2014, 12, 9, 10, 45),
        authors=("Tom Whitlock",),
        section="Birmingham",
        tags=("budget", "Birmingham City Council"),
        text="""
        More than 1,000 council jobs could go next year under budget proposals published
        just after midnight.

        The council must save £117 million in 2015/16.

        +3
        """,
        related=("trojan-horse-what-the-clarke-report-found",),
    ),
    ArticleSpec(
        slug="snow-hill-tower-plans-approved",
        template=DATED,
        title="Snow Hill tower plans approved",
        when=_t(2015, 3, 26, 15, 30),
        modified=_t(2015, 3, 30, 9, 10),
        authors=("Priya Sandhu",),
        section="Birmingham",
        tags=("planning", "Snow Hill"),
        text="""
        Plans for a 22-storey office tower at Snow Hill have been approved by the planning
        committee.

        The building would be the third at the Snow Hill development.

        +3
        """,
        related=("airport-runway-extension-opens",),
    ),
    # -- Legacy pages: windows-1252 with no charset anywhere, and one mislabelled ----------
    ArticleSpec(
        slug="council-chiefs-200000-pay-packet-criticised",
        template=LEGACY,
        variant="bbc",
        title="Council chief’s £200,000 pay packet criticised",
        when=_t(2009, 3, 12, 14, 27),
        modified=_t(2009, 3, 12, 16, 40),
        authors=("Peter Hale",),
        text="""
        The chief executive of Birmingham City Council is paid more than £200,000 a year,
        figures published on Thursday show – more than the prime minister.

        The TaxPayers’ Alliance said the salary was “hard to justify” at a time when
        council tax was rising.

        +2

        A council spokesman said the salary reflected “the size and complexity of Europe’s
        largest local authority”.
        """,
    ),
    ArticleSpec(
        slug="cafe-owners-protest-over-digbeth-market",
        template=LEGACY,
        variant="ordinal",
        title="Café owners protest over Digbeth street market",
        when=_d(2009, 6, 3),
        authors=("Peter Hale",),
        text="""
        Café owners in Digbeth say a new Sunday street market is taking their trade, and
        have asked the council to move it.

        Renée Dubois, who runs a café near the coach station, said: “We pay £12,000 a year
        in business rates. The stalls pay £25 a day.”

        +2
        """,
    ),
    ArticleSpec(
        slug="hippodrome-4m-refit-a-new-era",
        template=LEGACY,
        variant="bbc",
        title="Hippodrome’s £4m refit: “a new era” for the theatre",
        when=_t(2009, 11, 16, 9, 5),
        modified=_t(2009, 11, 16, 11, 52),
        authors=("Peter Hale",),
        text="""
        The Birmingham Hippodrome has unveiled a £4 million refit, which its chief executive
        called “the start of a new era”.

        The work includes new seats, a larger café and bar, and a studio for community
        groups.

        +2
        """,
    ),
    ArticleSpec(
        slug="bull-ring-ten-years-on",
        template=LEGACY_MISLABELLED,
        variant="ordinal",
        title="Résumé of a decade: the Bull Ring ten years on",
        when=_d(2013, 9, 4),
        authors=("Priya Sandhu",),
        text="""
        Ten years ago this week the new Bull Ring opened, and with it the Selfridges
        building that became the city’s best-known landmark.

        Shoppers’ verdicts then were mixed; a décor critic called it “a blob”.

        +3
        """,
    ),
)


# The reference article (demo/pages/police-criticised-child-abuse.html) as a reader sees it,
# transcribed from the project's seed text: the ground truth its page is checked against.
REFERENCE = ArticleSpec(
    slug=REFERENCE_SLUG,
    template=WORDPRESS,
    title="Police criticised over poor response to West Midlands child abuse cases",
    when=date(2014, 10, 28),
    section="News",
    tags=("child protection", "HMIC", "West Midlands Police"),
    related=(  # in the order of the page's "Similar Articles" block
        "tourist-charge-shouldnt-depend-on-the-games",
        "a-week-a-day-is-a-long-time-in-politics",
        "council-ceo-baxendale-for-birmingham",
        "an-optimism-of-mayors",
        "commonwealth-games-finishing-line-extended-again",
    ),
    summary="West Midlands Police has been criticised for failing to protect children at risk "
    "of sexual exploitation and told to take immediate action to address shortcomings.",
    text="""
    West Midlands Police has been criticised for failing to protect children at risk of
    sexual exploitation and told to take immediate action to address shortcomings.

    A study by Her Majesty’s Inspectorate of Constabulary (HMIC) found a mixed
    performance by child protection teams, with some instances of good work but also
    examples of “a general lack of understanding of the extent of child sexual
    exploitation and inconsistent practice”.

    Incidents that concerned HMIC included:

    - Care home staff called police when a 15-year-old girl left the home at night, in
      her pyjamas, and got into a car with an older man. Although the girl was known to
      be at risk of sexual exploitation, her location was not immediately sought. When
      she returned home at 6 o’clock the following morning, police did not check on her
      welfare or seek information about risk or exploitation.
    - A passer-by saw a man hitting a small child in a car. It was graded as a priority
      incident, but no officer was available to attend. Several hours later, control
      room staff recorded that the incident had passed and downgraded the call to
      ‘routine’ but checks were not made to justify this, nor was there a check on the
      child’s safety.
    - A 14-year-old boy coerced a 14-year-old girl to pose for sexually explicit
      photographs. Without her knowledge he distributed the images via social media,
      causing her serious emotional harm. Nobody took responsibility for this
      investigation for far too long. As a consequence, no action was taken to protect
      or help the girl, or to consider the continuing risk from the boy.

    In another case, supervisors recorded that a 13-year-old girl who frequently went
    missing was making ‘a lifestyle choice’, although it was clear from police systems
    that she was being, or was at high risk of being, sexually exploited.

    Inspectors assessed the handling of nine of the 11 cases of children missing from
    home as inadequate. In each of these cases, officers failed to gather further
    information and as a result there was poor assessment of the overall risk.

    HM Inspector of Constabulary Dru Sharpling said: “I am pleased to see the clear
    commitment to protecting children shown by both the leaders and the dedicated staff
    within West Midlands Police.

    “Despite this, our inspection found areas of concern that meant children were not
    receiving the service they deserve. In particular the force needs to improve both
    its approach to the more complex child protection cases and a better understanding
    of the extent of child sexual exploitation in the West Midlands.

    “I would like to encourage West Midlands Police to address our concerns immediately,
    and have asked that within six weeks it provides us with an action plan to
    demonstrate how it will act upon these recommendations.”

    HMIC said positive aspects of the West Midlands inspection included:

    - A strong commitment from the leadership team to child protection, with a clear
      plan for developing their child protection services;
    - Child abuse investigation staff were knowledgeable, committed and dedicated to
      providing good outcomes for children;
    - Good relationships with partner agencies and local safeguarding children boards as
      well as a series of mandatory training packages for officers and staff.

    However, inspectors were concerned to find:

    - A weak response to difficult, complex or prolonged child protection cases.
    - Heavy workloads meant child abuse investigation teams were unable to manage their
      investigations effectively.
    - A general lack of understanding of the extent of child sexual exploitation and
      inconsistent practice across the force area;
    - Officers did not always understand when to refer child protection issues to other
      agencies or how to do it, and children were being unnecessarily detained in police
      custody overnight.
""",
)
