"""Every parameter of borderflow, with its unit, default, valid range and source.

The sections are frozen dataclasses; each field carries its metadata so that one
table drives validation, the docs (`borderflow params`) and the written
`scenario.toml`. Sources: [V] verified quote, [D] derived from data, [U] an
assumption to be calibrated (see docs/ODD.md and the project's research notes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

GROUPS = ("mx", "nca", "chnv", "other")
"""Nationality groups: Mexico; Guatemala/Honduras/El Salvador; Cuba/Haiti/Nicaragua/Venezuela; the rest."""
KINDS = ("single", "family", "uc")
"""Who travels: single adults, families (group agents), unaccompanied children."""


def p(default, unit: str, lo=None, hi=None, source: str = "[U]", doc: str = "", choices=None):
    """A parameter field: default plus unit, valid range (or choices) and source."""
    meta = {"unit": unit, "lo": lo, "hi": hi, "source": source, "doc": doc, "choices": choices}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Run:
    """What to simulate and at what resolution."""

    start: dt.date = p(dt.date(2023, 6, 1), "date", dt.date(2000, 1, 1), dt.date(2040, 12, 31), "-", "first simulated day")
    end: dt.date = p(dt.date(2024, 5, 31), "date", dt.date(2000, 1, 1), dt.date(2040, 12, 31), "-", "last simulated day (inclusive)")
    seed: int = p(1, "integer", 0, 2**63 - 1, "-", "random seed; same seed and scenario give the same run")
    scale: int = p(40, "people/agent", 1, 1000, "-", "people one traveller agent stands for (families: families per agent)")


@dataclass(frozen=True)
class Pressure:
    """Migration pressure: people who consider leaving home because of conditions there. The
    main uncertain input, fitted; whether and when each of them sets out is their decision."""

    mx: float = p(1800.0, "people/day", 0, 1e5, "[U] fitted", "Mexicans who start to consider leaving, per day (before seasonality)")
    nca: float = p(1500.0, "people/day", 0, 1e5, "[U] fitted", "Guatemalans, Hondurans, Salvadorans who start to consider leaving, per day")
    chnv: float = p(1200.0, "people/day", 0, 1e5, "[U] fitted", "Cubans, Haitians, Nicaraguans, Venezuelans who start to consider leaving, per day")
    other: float = p(1500.0, "people/day", 0, 1e5, "[U] fitted", "all other nationalities who start to consider leaving, per day")
    knots: list = p([], "table", 0, 1e5, "[U] fitted",
                    "dated levels {date, mx, nca, chnv, other} in people/day, each in the range of pressure.<group>, "
                    "linearly interpolated, at least 80 days apart (smooth by construction); overrides the four levels; "
                    "optional family, uc: multipliers of the family and child shares in [0, 20]")
    after_last_knot: str = p("hold", "rule", source="-", choices=("hold", "repeat_last_year"),
                             doc="how pressure continues after the last knot: hold its level, or repeat the last 365 days")
    seasonality: list = p([0.96, 1.1, 1.4, 1.3, 1.22, 0.99, 0.91, 0.92, 0.84, 0.89, 0.8, 0.7], "factor by month",
                          0.0, 5.0, "[D] USBP SW monthly FY2000-FY2019, mean 1",
                          "January..December multipliers of the daily pressure")
    family_share: dict = p({"mx": 0.12, "nca": 0.45, "chnv": 0.40, "other": 0.25}, "share of people", 0.0, 1.0,
                           "[D] sw_monthly_by_demographic.csv, by group", "share of people considering leaving who would travel in families")
    uc_share: dict = p({"mx": 0.05, "nca": 0.12, "chnv": 0.01, "other": 0.01}, "share of people", 0.0, 1.0,
                       "[D] sw_monthly_by_demographic.csv; CRS IN11638",
                       "share of people considering leaving who are unaccompanied children (with family_share, at most 1)")
    claim_mean: dict = p({"mx": 0.25, "nca": 0.5, "chnv": 0.65, "other": 0.55}, "probability", 0.0, 1.0,
                         "[U] assumed; above TRAC's grant rates by nationality (report 668, FY2001-FY2021: "
                         "Mexico 15%, Honduras 18%, Guatemala 19%, El Salvador 20%, Haiti 18%, Nicaragua 29%, "
                         "Cuba 39%, Venezuela 49%; all 37% in FY2021), see README",
                         "mean strength of a protection claim (Beta distributed)")
    claim_concentration: float = p(4.0, "Beta a+b", 0.1, 1000, "[U]",
                                   "concentration of the Beta distribution of claim strength around its mean (larger: more alike)")
    risk_spread: float = p(0.4, "log-sd", 0, 3, "[U]", "spread of risk tolerance (lognormal, median 1)")
    family_children_mean: float = p(1.6, "children/family", 1.0, 5.0, "[U] FMUA ~2.8 people per family", "mean children per family")
    family_two_adult_share: float = p(0.3, "share of families", 0.0, 1.0, "[U]", "families travelling with two adults")


@dataclass(frozen=True)
class Behaviour:
    """How travellers decide and learn."""

    travel_days: float = p(12.0, "days", 1, 120, "[U]", "mean days from southern Mexico to a border city")
    reconsider_days: float = p(4.0, "days", 1, 60, "[U] calibrated", "mean days between decisions while staying put")
    mpp_reconsider_days: float = p(12.0, "days", 1, 365, "[U]", "mean days between an MPP enrollee's reconsiderations of the case")
    patience_days: float = p(60.0, "days", 1, 720, "[U] calibrated", "mean days of waiting a traveller can afford (resources)")
    entry_value: float = p(1.0, "utility", 0, 10, "-", "value of entering the United States (the unit of utility)")
    removal_cost: float = p(0.8, "utility", 0, 10, "[U] calibrated", "loss from removal to origin with a re-entry bar")
    return_cost: float = p(0.08, "utility", 0, 10, "[U] calibrated", "loss from being sent back to a Mexican border city")
    claim_value: float = p(0.5, "share", 0, 1, "[U]",
                           "share of the value of entering that, for someone with a full claim, needs an asylum case")
    evade_cost: float = p(0.25, "utility", 0, 10, "[U] smuggling fees, hiding", "cost of crossing to evade rather than to ask for asylum")
    danger_weight: float = p(0.25, "utility", 0, 10, "[U]", "weight of crossing danger, divided by the traveller's risk tolerance")
    surrender_danger: float = p(0.5, "share", 0, 1, "[U]",
                                "share of a sector's crossing danger faced by someone who crosses to ask for asylum (a short walk to agents)")
    wait_cost: float = p(0.004, "utility/day", 0, 1, "[U] calibrated", "cost of a day of waiting in a border city at normal crowding")
    home_value: float = p(0.45, "utility", 0, 10, "[U] calibrated", "value of going home for someone with no protection need")
    choice_noise: float = p(0.08, "utility", 0.001, 10, "[U]", "logit temperature of choices (larger: more random)")
    own_weight: float = p(0.5, "weight", 0, 1, "[U]", "how far a traveller's own outcome moves the belief")
    social_weight: float = p(0.3, "weight", 0, 1, "[U]", "how far each reconsideration moves the belief toward what others report")
    route_sensitivity: float = p(1.25, "per unit catch rate", 0, 50, "[U] calibrated",
                                 "how strongly route choice avoids sectors where evaders are caught (exp(-s * catch))")
    info_lag_days: int = p(7, "days", 0, 120, "[U]", "delay before outcomes reach others (contacts, news)")
    info_halflife_days: float = p(21.0, "days", 1, 365, "[U]", "half-life of the shared memory of outcomes")
    prior_weight: float = p(3.0, "pseudo-trials", 0.01, 1000, "[U]",
                            "weight of the rules' outlook (and the normal catch rate) behind every shared signal")
    anticipation_days: int = p(45, "days", 0, 365, "[U]", "how far ahead announced policy changes weigh on decisions")
    persistence: float = p(0.0, "share", 0, 0.95, "[U] calibrated; repeat crossing under Title 42",
                           "how much of the chance to choose again after a return to Mexico counts in the value of an attempt")
    send_child_cost: float = p(0.8, "utility", 0, 10, "[U]", "cost to a family of sending a child on alone")
    reattempt_removal_days: float = p(240.0, "days", 1, 3650, "[U]",
                                      "mean days after a removal before the person first reconsiders leaving again")
    reattempt_transfer_days: float = p(30.0, "days", 1, 720, "[U] research note 30 (14-90)",
                                       "mean days after a transfer south by Mexico before the person reconsiders going north")
    home_reconsider_days: float = p(30.0, "days", 1, 365, "[U] calibrated",
                                    "mean days between reconsiderations of someone at home who is considering leaving")
    home_wait_cost: float = p(0.002, "utility/day", 0, 1, "[U] calibrated",
                              "cost of a day of putting the decision off at home (conditions there go on)")
    journey_cost: float = p(0.15, "utility", 0, 10, "[U] calibrated; smuggling fees, the danger of the trip",
                            "cost of the journey north through Mexico, paid whatever happens at the border")
    origin_lag_days: int = p(14, "days", 0, 180, "[U]", "extra delay before outcomes reported at the border reach origin communities")
    origin_weight: float = p(0.1, "share/day", 0.001, 1, "[U]",
                             "how far each day moves what origin communities believe toward what reaches them")
    stay_horizon_years: float = p(5.0, "years", 0.1, 50, "[U]",
                                  "years of stay in the US before a court decision worth half of a permanent stay "
                                  "(value of the wait = 1 - exp(-wait / horizon))")
    prosecution_cost: float = p(0.5, "utility", 0, 10, "[U]",
                                "loss from a prosecution for illegal re-entry (8 USC 1326) after a removal order")
    bar_cost: float = p(0.02, "utility/year", 0, 1, "[U]", "loss per year of the re-entry bar that comes with a removal order")
    claim_bins: int = p(4, "bins", 1, 20, "-", "claim-strength classes of the people at home (each decides as its midpoint)")


@dataclass(frozen=True)
class BorderPatrol:
    """U.S. Border Patrol between ports, in the nine Southwest sectors."""

    agents: float = p(16700.0, "agents", 0, 1e5, "[U] SW staffing FY2019 ~16.7k",
                      "Border Patrol agents on the Southwest border; 0 means no patrol: no evader is caught, and "
                      "people who cross to ask for asylum are still met (surrender_caught)")
    allocation: dict = p({"san_diego": 0.14, "el_centro": 0.06, "yuma": 0.05, "tucson": 0.2, "el_paso": 0.13,
                          "big_bend": 0.04, "del_rio": 0.09, "laredo": 0.11, "rgv": 0.18}, "share of agents", 0.0, 1.0,
                         "[U]", "initial share of agents by sector (not all zero)")
    reallocation: float = p(0.05, "share/week", 0, 1, "[U]", "share of agents moved each week toward sectors with more crossings")
    apprehension: float = p(0.8, "probability", 0, 1, "[U] calibrated; gotaway share ~20%",
                            "chance an evading crosser is caught where presence is normal and agents are free")
    surrender_caught: float = p(0.98, "probability", 0, 1, "[U]", "chance a person crossing to ask for asylum is encountered")
    processing_load: float = p(0.5, "people/agent/day", 0.01, 100,
                               "[U] default; the fits draw it against known gotaways by fiscal year (through 2024-05: 2.9)",
                               "arrivals an agent can process per day before patrol is pulled off the line")
    holding_capacity: float = p(8000.0, "people (stock)", 0, 1e6,
                                "[V] ~9,000 Mar 2019 (DHS official, CNN); +6,500 by Aug 2019 (CBP); 20,500 May 2023 (DHS official)",
                                "people Border Patrol can hold at once; when full, people who would be held for a fear "
                                "screening are released (notice to appear 2019, notice to report 2021, parole 2021-2023)")
    presence_exponent: float = p(0.5, "exponent", 0, 3, "[U]",
                                 "catch rate scales with (agents in the sector / normal posting) to this power")
    busy_cap: float = p(0.9, "share", 0, 1, "[U]", "largest share of a sector's agents processing can take off the line")
    catch_cap: float = p(0.99, "probability", 0, 1, "[U]",
                         "highest chance an evader is caught, however many agents watch: some always get through")


@dataclass(frozen=True)
class Ports:
    """CBP Field Operations at ports of entry."""

    walkup_capacity: float = p(400.0, "people/day", 0, 1e5, "[U] metering lists 2018-2020",
                               "people without appointment processed per day at all Southwest ports")
    asylum_open: bool = p(True, "flag", source="[V] Proclamation 10888 closes ports to asylum",
                          doc="ports take asylum claims from people who present")
    uc_when_closed: bool = p(True, "flag", source="[U] TVPRA (8 USC 1232): unaccompanied children go to HHS; "
                             "Proclamation 10888 names no exception",
                             doc="ports closed to asylum still take unaccompanied children")
    parole_prob: float = p(0.95, "probability", 0, 1, "[U]", "chance an appointment holder is paroled in with a notice to appear")


@dataclass(frozen=True)
class Processing:
    """Title 8 processing: expedited removal, fear screening, release; ICE detention and removal flights."""

    fear_threshold: float = p(0.2, "claim strength", 0, 1, "[U]", "claim strength above which a person asked about fear claims it")
    screen_in: float = p(0.75, "probability", 0.0, 1.0, "[V] GAO-20-250 71%; DOJ 83% (0.63-0.90)",
                         "credible-fear pass rate, significant-possibility standard")
    er_capacity: float = p(1200.0, "people/day", 0, 1e5, "[U] ICE detention intake for credible-fear screening; "
                           "USCIS had ~109,000 fear-screening referrals in FY2018 (~300/day, GAO-20-250): a caseload, not a limit",
                           "single adults who can be held for a fear screening per day")
    family_detention: float = p(100.0, "families/day", 0, 1e5,
                                "[U] family residential centres ~3,200 beds (Houston Chronicle 2021-02-28), 20-day Flores limit",
                                "families who can be held for a fear screening per day")
    removal_capacity: float = p(600.0, "people/day", 0, 1e5, "[U] ICE removals by air (FY2019 267,258; FY2022 72,177; FY2023 142,580 [V] ICE)",
                                "seats on removal flights to countries other than Mexico per day")
    ice_beds: float = p(30000.0, "people (stock)", 0, 1e6, "[V] TRAC: 25,875 CBP-arrested people in ICE detention 2023-12-17",
                        "ICE detention beds for people Border Patrol and the ports transferred for removal")
    removal_days: float = p(8.0, "days", 0, 365, "[U] travel documents and manifests",
                            "least days from transfer to ICE to a removal flight")
    flights_home: dict = p({"mx": 1.0, "nca": 1.0, "chnv": 1.0, "other": 1.0}, "share of the group", 0.0, 1.0,
                           "[U] every country takes its nationals back by default; [V] none went to Venezuela from "
                           "2019-05-15 (DOT order; Reuters) to 2023-10-18 (AP), none to Cuba from 2020-12-29 to "
                           "2023-04-24 (DHS, Reuters 2023-04-25); `historical` dates the CHNV share from CBP's FY2022 "
                           "mix by country [D] with Haitians 8% [U]",
                           "share of a group whose countries take removal and expulsion flights from the United States "
                           "(Mexicans are returned over land)")
    max_detention_days: float = p(180.0, "days", 1, 3650, "[V] Zadvydas v. Davis (2001): six months presumptively reasonable",
                                  "ICE releases a person whose flight is further away than this")
    custody_days: dict = p({"expel_mexico": 1.0, "return_mexico": 2.0, "expel_origin": 3.0, "remove_origin": 2.0,
                            "release": 2.0, "mpp": 2.0, "hhs": 2.0, "parole": 1.0, "ice_release": 2.0}, "days", 0, 365, "[U] CBP aims at 72 hours",
                           "days from encounter to book-out by pathway (remove_origin, ice_release: to the transfer to ICE)")
    screening_days: float = p(13.0, "days", 0, 365, "[V-secondary] credible-fear referral to decision 'about 13 days' (2024)",
                              "days a person held for a fear screening spends in ICE detention before a positive screen's release")
    uc_mexico_return: float = p(0.6, "share", 0, 1, "[U] TVPRA contiguous-country screening",
                                "Mexican unaccompanied children returned to Mexico instead of HHS")
    reentry_bar_years: float = p(5.0, "years", 0, 20, "[V] INA 212(a)(9)(A): five-year bar after expedited removal",
                                 "bar after a Title 8 removal order; re-encountered within it, the order is reinstated")
    reasonable_fear: float = p(0.25, "probability", 0, 1, "[V] USCIS: reinstated orders get only a reasonable-fear screening "
                               "(INA 241(a)(5), 8 CFR 208.31); [U] pass rate (0.10-0.45)",
                               "chance a reinstated person with a claim passes the reasonable-fear screening")
    prosecution: float = p(0.1, "probability", 0, 1, "[V] TRAC: 37,440 prosecutions under 8 USC 1326 in FY2013; [U] share (0-0.5)",
                           "chance a person re-encountered within the bar is prosecuted for illegal re-entry")


@dataclass(frozen=True)
class Clp:
    """Circumvention of Lawful Pathways rule (May 12, 2023): presumption of ineligibility."""

    active: bool = p(False, "flag", source="[V] 88 FR 31314", doc="the rebuttable presumption applies to crossers without appointment")
    screen_in: float = p(0.46, "probability", 0.0, 1.0, "[V] LA Times 46% (0.40-0.55)", "fear screen pass rate under the presumption")


@dataclass(frozen=True)
class Title42:
    """Title 42 expulsions (March 2020 - May 11, 2023)."""

    active: bool = p(False, "flag", source="[V] 42 U.S.C. 265 order", doc="encounters are expelled under Title 42")
    expel_single: float = p(0.9, "probability", 0, 1, "[V] AP Apr 2021 'nearly nine of 10' (0.8-0.95)", "single adults expelled when returnable")
    expel_family: float = p(0.2, "probability", 0, 1, "[V-secondary] 19% Dec 2021 (0.1-0.4)", "families expelled when returnable")
    expel_uc: float = p(0.0, "probability", 0, 1, "[V] CRS: children exempt from 2021", "unaccompanied children expelled")
    flight_capacity: float = p(150.0, "people/day", 0, 1e5, "[U]; ICE: 62,545 Title 42 expulsions FY2023 [V]",
                               "seats on Title 42 expulsion flights to countries Mexico does not take back, per day")


@dataclass(frozen=True)
class Closure:
    """Threshold closure of asylum between ports (Proclamations 10773/10817) or a standing one (10888)."""

    mode: str = p("off", "rule", source="[V] Proclamations 10773, 10817, 10888", choices=("off", "threshold", "always"),
                  doc="off; threshold (switches on the counted 7-day average); always (no numeric off-switch)")
    activation: float = p(2500.0, "encounters/day", 0, 1e5, "[V] CRS IN12383", "7-day average at or above which the suspension applies")
    lift: float = p(1500.0, "encounters/day", 0, 1e5, "[V] CRS IN12383", "7-day average below which the lifting clock can start")
    window_days: int = p(7, "days", 1, 60, "[V] CRS IN12383", "averaging window")
    days_below: int = p(1, "days", 1, 365, "[V] IFR 1; final rule 28 (DHS)", "consecutive days the average must stay below `lift`")
    lift_delay_days: int = p(14, "days", 0, 365, "[V] CRS IN12383", "days after the below-condition is met until the suspension ends")
    initially_active: bool = p(True, "flag", source="[V] in force from June 5, 2024", doc="state when the rule takes effect")
    count_uc_noncontiguous: bool = p(False, "flag", source="[V] IFR excludes; final rule counts",
                                     doc="non-Mexican unaccompanied children count toward the average")
    manifest_fear: float = p(0.25, "probability", 0, 1, "[U] assumption (0.10-0.40)", "chance a person with a claim manifests fear unasked")
    screen_in: float = p(0.35, "probability", 0, 1, "[U] assumption (0.20-0.50)", "pass rate at the reasonable-probability standard")
    compelling: float = p(0.02, "probability", 0, 1, "[U] assumption (0-0.05)", "share with exceptionally compelling circumstances")
    screening: str = p("reasonable_probability", "rule", source="[V] IFR 2024 (manifest fear, reasonable probability); "
                       "Proclamation 10888 (no asylum, no fear screening)", choices=("reasonable_probability", "none"),
                       doc="reasonable_probability: those who manifest fear are screened at the higher standard; "
                           "none: removal without a fear screening or exceptions")
    residual: float = p(0.01, "probability", 0, 0.05, "[U] withholding/CAT channel under Proclamation 10888 (0-0.05)",
                        "chance a person with a claim is let into proceedings when screening is none")


@dataclass(frozen=True)
class Mpp:
    """Migrant Protection Protocols (Remain in Mexico)."""

    active: bool = p(False, "flag", source="[V] MPP 2019-2021, 2021-2022, 2025-", doc="eligible encountered people are returned to wait")
    capacity: float = p(95.0, "people/day", 0, 1e5, "[D] 68k over ~720 days (MPP 1.0)", "enrolments per day")
    groups: list = p(["nca", "chnv", "other"], "groups", source="[V] MPI: non-Mexican, Spanish-speaking (1.0)",
                     choices=GROUPS, doc="nationality groups eligible")
    hearing_days: float = p(150.0, "days", 1, 2000, "[U] MPP 2.0 target 180 days", "mean wait in Mexico for the final hearing")
    relief: float = p(0.01, "probability", 0, 1, "[V] TRAC 1% of completions", "chance an attending enrollee is granted relief")
    enrolled_share: float = p(0.5, "share", 0, 1, "[U]",
                              "share of an eligible group with claims the rules' outlook expects to be enrolled (capacity is short)")


@dataclass(frozen=True)
class Appointments:
    """CBP One appointments at ports (January 2023 - January 20, 2025)."""

    active: bool = p(False, "flag", source="[V] CBP", doc="people in border cities can request port appointments")
    slots: float = p(1450.0, "appointments/day", 0, 1e5, "[V] CBP 2023-06-30 (1,000-1,500)", "appointments per day")
    oldest_share: float = p(0.5, "share", 0, 1, "[V] PBS NewsHour 2023-05-26", "share of slots to the longest-waiting requests")


@dataclass(frozen=True)
class Mexico:
    """Mexican authorities (INM): interdiction, transfers south, acceptance of returns."""

    interdiction: float = p(0.1, "probability", 0, 1, "[U] UPM events 782k (2023)", "chance a trip north is interdicted at normal intensity")
    city_sweeps: float = p(0.002, "share/day", 0, 1, "[U]", "share of people staging in border cities moved away per day")
    deport_share: float = p(0.25, "share", 0, 1, "[U]", "share of interdicted non-Mexicans deported home rather than moved south")
    accepts: list = p(["mx", "nca"], "groups", source="[V] Reuters: Mexico, Central Americans under Title 42",
                      choices=GROUPS, doc="nationality groups Mexico takes back from the US")
    chnv_cap: float = p(0.0, "people/month", 0, 1e6, "[V] 30,000/month from 2023-01-05", "returns of CHNV nationals Mexico accepts per month")


@dataclass(frozen=True)
class Pathways:
    """Lawful pathways that divert people from the border."""

    chnv_parole: float = p(0.0, "people/month", 0, 1e6, "[V-secondary] 30,000/month 2023-2024", "CHNV parole grants per month")


@dataclass(frozen=True)
class Courts:
    """Immigration courts: the backlog that releases feed."""

    backlog: float = p(800000.0, "cases", 0, 1e8, "[U] EOIR pending ~0.8M (FY2019)", "cases pending at the start (set in a timeline event: on its date)")
    judges: float = p(450.0, "judges", 0, 1e4, "[V] 734 at end FY2023; ~450 FY2019", "immigration judges")
    completions_per_judge: float = p(700.0, "cases/judge/year", 0, 1e4, "[U] EOIR", "case completions per judge and year")
    relief_rate: float = p(0.66, "share", 0, 1, "[V] TRAC report 742: 66% of asylum filers FY2014-Apr 2024 allowed to remain",
                           "share of completed cases that end with the person allowed to remain")
    closure_rate: float = p(0.0, "share/year", 0, 1, "[U] Doyle memo of April 2022; a report of 350,000 closures since 2022 (unverified)",
                            "share of pending cases closed by prosecutorial discretion each year")


@dataclass(frozen=True)
class Geography:
    """The stylised border: crossing danger by sector, each group's usual corridors, shelter places by city."""

    sector_danger: dict = p({"san_diego": 0.25, "el_centro": 0.35, "yuma": 0.3, "tucson": 0.65, "el_paso": 0.3,
                             "big_bend": 0.8, "del_rio": 0.5, "laredo": 0.5, "rgv": 0.45}, "index 0-1", 0.0, 1.0,
                            "[U] stylised from CBP rescue and death reports", "danger of crossing (heat, river, remoteness) by sector")
    route_weights: dict = p({"mx": [0.2, 0.06, 0.03, 0.25, 0.15, 0.02, 0.08, 0.09, 0.12],
                             "nca": [0.04, 0.03, 0.05, 0.08, 0.12, 0.01, 0.14, 0.05, 0.48],
                             "chnv": [0.03, 0.02, 0.12, 0.05, 0.2, 0.02, 0.3, 0.04, 0.22],
                             "other": [0.2, 0.05, 0.18, 0.17, 0.12, 0.01, 0.12, 0.03, 0.12]}, "weights by sector", 0.0, 1.0,
                            "[U] stylised; calibrate --method smc fits a multiplier a sector to usbp_sw_monthly_by_sector_ohss.csv",
                            "table: for each group, the weight of the nine sectors (west to east) in its route choice")
    shelter: dict = p({"tijuana": 6000.0, "mexicali": 2000.0, "san_luis": 1500.0, "nogales": 2500.0, "juarez": 5000.0,
                       "ojinaga": 300.0, "acuna": 1000.0, "piedras_negras": 1500.0, "nuevo_laredo": 1500.0,
                       "reynosa": 3000.0, "matamoros": 2500.0}, "people", 1, 1e6, "[U]",
                      "shelter places by border city before crowding raises the cost of waiting")


SECTIONS = {
    "run": Run, "pressure": Pressure, "behaviour": Behaviour, "border_patrol": BorderPatrol, "ports": Ports,
    "processing": Processing, "clp": Clp, "title42": Title42, "closure": Closure, "mpp": Mpp,
    "appointments": Appointments, "mexico": Mexico, "pathways": Pathways, "courts": Courts, "geography": Geography,
}
"""Section name -> dataclass, in the order they are written."""

LEVER_SECTIONS = tuple(k for k in SECTIONS if k not in ("run", "pressure", "behaviour", "geography"))
"""The policy levers: the sections a dated timeline event may change."""
