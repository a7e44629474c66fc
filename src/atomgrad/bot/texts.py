"""Everything the bot says, in Russian and in English (chosen by the Telegram client's `language_code`).

Texts are HTML (the bot's parse mode): values from the database are escaped with `esc()` before they go in.
Dates are Moscow time, the Russian way (`atomgrad.core.timefmt`).
"""

from __future__ import annotations

import datetime as dt
from html import escape

from django.utils import translation

from atomgrad.award.phases import Phase
from atomgrad.core import timefmt

RU, EN = "ru", "en"


def lang_of(language_code: str | None) -> str:
    """English for English-language Telegram clients, Russian for everyone else."""
    return EN if (language_code or "").lower().startswith("en") else RU


def esc(value: object) -> str:
    return escape(str(value), quote=False)


def votes_word(number: int, lang: str) -> str:
    """The word «голос» agreeing with the number (the site's one helper, `timefmt.plural`)."""
    return timefmt.plural(number, "vote,votes" if lang == EN else "голос,голоса,голосов")


def candidates_word(number: int, lang: str) -> str:
    return timefmt.plural(number, "candidate,candidates" if lang == EN else "соискатель,соискателя,соискателей")


def when(value: dt.datetime, lang: str) -> str:
    with translation.override(lang):
        return timefmt.format_datetime(value)


def day(value: dt.datetime, lang: str) -> str:
    with translation.override(lang):
        return timefmt.format_date(value)


PHASES: dict[str, dict[str, str]] = {
    RU: {
        Phase.UPCOMING: "скоро начало",
        Phase.APPLICATIONS: "идёт приём заявок",
        Phase.MODERATION: "оргкомитеты проверяют заявки",
        Phase.VOTING: "идёт народное голосование",
        Phase.VERIFICATION: "голосование закончилось, идёт проверка голосов",
        Phase.RESULTS: "итоги опубликованы",
        Phase.CEREMONY: "церемония награждения",
    },
    EN: {
        Phase.UPCOMING: "starting soon",
        Phase.APPLICATIONS: "applications are open",
        Phase.MODERATION: "the committees are reviewing applications",
        Phase.VOTING: "the people's vote is open",
        Phase.VERIFICATION: "the vote is over, votes are being verified",
        Phase.RESULTS: "the results are published",
        Phase.CEREMONY: "award ceremony",
    },
}

TEXTS: dict[str, dict[str, str]] = {
    RU: {
        "welcome": (
            "Здравствуйте! Это бот народной премии <b>«Новые Созидатели»</b> атомных городов — {title}.\n\n"
            "Сейчас: <b>{phase}</b>.\n"
            "{dates}"
        ),
        "dates_before": "Голосование пройдёт с {voting_open} до {voting_close}. Итоги — {results}.",
        "dates_voting": "Голосование идёт до {voting_close}. Итоги — {results}.",
        "dates_checking": "Голосование закончилось {voting_close}. Итоги будут опубликованы {results}.",
        "dates_checking_late": (
            "Голосование закончилось {voting_close}. Итоги публикуются по мере того, как оргкомитеты городов "
            "подписывают протоколы."
        ),
        "dates_published": "Голосование закончилось {voting_close}. Итоги опубликованы: /results",
        "dates_ceremony": "Церемония награждения — {ceremony}.",
        "previous_results": "Итоги сезона {year}: /results",
        "closed_no_registration": (
            "Голосование закончилось — регистрироваться уже не нужно. Итоги по всем городам: {url}"
        ),
        "no_season": "Сезон премии ещё не объявлен. Новости — на сайте: {site}",
        "consent": (
            "Чтобы голосовать, нужно ваше согласие на обработку персональных данных: номера телефона "
            "(он хранится только в виде необратимого ключевого хеша) и выбранного города.\n\n"
            "Полный текст: {url}\n\n"
            "Нажимая «Согласен», вы принимаете «{title}» (версия {version})."
        ),
        "consent_accept": "✅ Согласен",
        "consent_decline": "Не сейчас",
        "consent_declined": "Без согласия голосовать нельзя. Передумаете — нажмите /start.",
        "consent_missing": "Сначала нужно согласие на обработку данных: нажмите /start.",
        "choose_city": (
            "Выберите город, в котором вы живёте. Голосовать можно за соискателей своего города; "
            "после первого голоса город изменить нельзя.\n\nМожно написать часть названия."
        ),
        "city_not_found": "Среди городов-участников нет «{query}». Попробуйте иначе или выберите из списка.",
        "city_matches": "Нашлось несколько городов — выберите свой:",
        "city_invalid": "Этого города нет среди участников сезона. Выберите из списка.",
        "ask_contact": (
            "Город: <b>{city}</b>.\n\n"
            "Теперь подтвердите номер телефона: нажмите кнопку «📱 Поделиться номером» внизу. "
            "Один номер — один избиратель, на сайте и в боте."
        ),
        "contact_button": "📱 Поделиться номером",
        "contact_not_own": (
            "Это не ваш номер. Примем только ваш собственный: нажмите кнопку «📱 Поделиться номером» внизу."
        ),
        "contact_expected": "Нажмите кнопку «📱 Поделиться номером» внизу или /cancel, чтобы отменить.",
        "contact_unexpected": "Чтобы зарегистрироваться, начните с /start.",
        "registered": (
            "Готово, номер подтверждён. Вы голосуете в городе <b>{city}</b>.\n"
            "У вас {votes} {votes_word}: можно поддержать до {votes} разных соискателей своего города."
        ),
        "registered_partly_used": (
            "Готово, номер подтверждён. Вы голосуете в городе <b>{city}</b>.\n"
            "С этого номера уже голосовали на сайте: осталось голосов — {left} из {votes}."
        ),
        "registered_before": (
            "Готово, номер подтверждён. Вы голосуете в городе <b>{city}</b>.\n"
            "Голосование начнётся {voting_open}: у вас будет {votes} {votes_word}."
        ),
        "registered_closed": (
            "Готово, номер подтверждён, ваш город — <b>{city}</b>.\n"
            "Голосование закончилось {voting_close}: голосовать уже нельзя. Итоги: /results"
        ),
        "already_registered": "Вы уже зарегистрированы: город <b>{city}</b>, осталось голосов: {left} из {votes}.",
        "already_registered_before": (
            "Вы уже зарегистрированы: город <b>{city}</b>. Голосование начнётся {voting_open}."
        ),
        "already_registered_closed": (
            "Вы голосуете в городе <b>{city}</b>. Голосование закончилось; ваши голоса и квитанции: /myvotes. "
            "Итоги: /results"
        ),
        "menu_prompt": "Соискатели, ваши голоса и правила — на кнопках ниже.",
        "notify_ask": "Сообщить вам, когда будут опубликованы итоги?",
        "notify_yes": "🔔 Да, сообщить",
        "notify_no": "Нет, спасибо",
        "notify_on": "Хорошо: пришлю одно сообщение, когда итоги будут опубликованы. Отключить: /notify",
        "notify_off": "Уведомлений об итогах не будет. Включить: /notify",
        "menu_candidates": "👥 Соискатели",
        "menu_myvotes": "🗳 Мои голоса",
        "menu_rules": "📜 Правила",
        "card": "<b>{name}</b>\n{sphere}\n{position}, {workplace}\n\n{story}\n\n{index} из {total}",
        "card_prev": "◀",
        "card_next": "▶",
        "card_vote": "🗳 Поддержать",
        "card_voted": "✅ Вы поддержали",
        "card_sphere": "Сфера: {sphere} ▾",
        "card_site": "🌐 Страница на сайте",
        "sphere_all": "все",
        "sphere_all_button": "Все сферы",
        "sphere_back": "↩ Назад",
        "no_candidates": "В городе {city} пока нет опубликованных соискателей.",
        "no_candidates_sphere": "В городе {city} нет соискателей в сфере «{sphere}». Выберите другую сферу.",
        "vote_confirm_toast": "Поддержать: {name}? Подтвердите кнопкой.",
        "vote_confirm": "✅ Да, поддержать",
        "vote_cancel": "✖ Отмена",
        "vote_accepted": (
            "✅ Ваш голос за <b>{name}</b> учтён.\n\n"
            "Код квитанции: <code>{receipt}</code>\n"
            "Проверить, что голос в реестре: {url}\n\n"
            "Осталось голосов: {left} из {votes}."
        ),
        "vote_accepted_toast": "Голос учтён",
        "already_voted_toast": "Вы уже поддержали этого соискателя",
        "not_registered": "Сначала зарегистрируйтесь для голосования: /start — это минута.",
        "myvotes_empty": "Вы ещё не голосовали. Осталось голосов: {left} из {votes}. Соискатели: /candidates",
        "myvotes_empty_closed": "В сезоне {year} вы не голосовали. Итоги: /results",
        "myvotes_header_closed": "Ваши голоса в сезоне {year}: {used} из {votes}. Голосование закончилось.",
        "myvotes_header": "Ваши голоса ({used} из {votes}), осталось: {left}.",
        "myvotes_item": "• <b>{name}</b>, {when}\n  квитанция <code>{receipt}</code> — {url}",
        "myvotes_annulled": " (аннулирован)",
        "rules": (
            "<b>Как голосовать</b>\n"
            "• Голосуют жители атомных городов, подтвердившие номер телефона — на сайте или здесь; "
            "один номер — один избиратель.\n"
            "• У каждого {votes} {votes_word}: за одного соискателя — не больше одного голоса.\n"
            "{own_city}"
            "• Сроки голосования: с {voting_open} до {voting_close}.\n"
            "• Каждый голос попадает в открытый реестр; по коду квитанции его можно проверить на сайте.\n\n"
            "Полные правила: {url}"
        ),
        "rules_own_city": "• Голосовать можно только за соискателей своего города.\n",
        "help": (
            "/start — начать, регистрация\n"
            "/candidates — соискатели вашего города\n"
            "/myvotes — мои голоса и квитанции\n"
            "/rules — правила голосования\n"
            "/results — итоги (когда опубликованы)\n"
            "/notify — уведомление об итогах: включить или выключить\n"
            "/cancel — отменить текущее действие\n\n"
            "Сайт премии: {site}"
        ),
        "results_hidden": (
            "Промежуточные итоги не публикуются. Голосование идёт до {voting_close}, итоги — {results}. "
            "Включите уведомление — сообщим: /notify"
        ),
        "results_before": "Голосование ещё не началось: оно пройдёт с {voting_open} до {voting_close}.",
        "results_checking": (
            "Голосование закончилось {voting_close}. Итоги города {city} ещё не опубликованы: голоса "
            "проверяются, оргкомитет подписывает протокол. Итоги ожидаются {results}. Сообщим: /notify"
        ),
        "results_checking_late": (
            "Итоги города {city} ещё не опубликованы: оргкомитет готовит и подписывает протокол. "
            "Сообщим, когда они появятся: /notify. Опубликованные итоги других городов: {url}"
        ),
        "results_header": "<b>Итоги: {city}</b>",
        "results_item": "{place}. {name} — {votes} {votes_word}",
        "results_none": "В городе {city} пока нет голосов.",
        "results_choose_city": "Итоги по вашему городу появятся после регистрации: /start. Все итоги: {url}",
        "results_published_header": "<b>Итоги народного голосования: {city}</b>\n{title}",
        "results_laureates": "<b>Призёры</b>",
        "results_laureate": "{medal} {place} место — <b>{name}</b> ({sphere}): {votes} {votes_word}",
        "results_others": "<b>Остальные соискатели</b>",
        "results_other": "{place}. {name} — {votes} {votes_word}",
        "results_more": "… и ещё {count} — на сайте.",
        "results_without_votes": "Без действительных голосов: {count} {who}.",
        "results_no_laureates": "Призёры не определены.",
        "results_void": "Голосование в городе признано недействительным, призёров нет. Основание: {reason}",
        "results_disqualified": "Сняты с голосования: {names}.",
        "results_disqualified_male": "Снят с голосования: {names}.",
        "results_disqualified_female": "Снята с голосования: {names}.",
        "results_tie": "Равенство голосов оргкомитет решил по правилу «{rule}».",
        "results_protocol": "Протокол № {number} (PDF): {url}",
        "results_page": "Подробно на сайте: {url}",
        "cancelled": "Отменено. Начать заново: /start",
        "nothing_to_cancel": "Отменять нечего. Команды: /help",
        "error": "Что-то пошло не так. Попробуйте ещё раз чуть позже.",
        "unknown": "Не понял вас. Что я умею: /help",
        "stale": "Эта кнопка устарела. Откройте список заново: /candidates",
        "broadcast_results": (
            "Итоги народной премии «Новые Созидатели» — {title} опубликованы! Спасибо, что голосовали.\n\n{url}"
        ),
        "broadcast_city_results": (
            "Итоги народной премии «Новые Созидатели» — {title} в городе {city} опубликованы! "
            "Спасибо, что голосовали.\n\n{url}"
        ),
    },
    EN: {
        "welcome": (
            "Hello! This is the bot of the <b>«New Creators»</b> people's award of the atomic cities — {title}.\n\n"
            "Now: <b>{phase}</b>.\n"
            "{dates}"
        ),
        "dates_before": "Voting runs from {voting_open} to {voting_close}. Results: {results}.",
        "dates_voting": "Voting is open until {voting_close}. Results: {results}.",
        "dates_checking": "Voting closed on {voting_close}. The results will be published on {results}.",
        "dates_checking_late": (
            "Voting closed on {voting_close}. Results are published as the city committees sign their protocols."
        ),
        "dates_published": "Voting closed on {voting_close}. The results are published: /results",
        "dates_ceremony": "Award ceremony: {ceremony}.",
        "previous_results": "Results of the {year} season: /results",
        "closed_no_registration": "Voting is over — there is no need to register. Results for every city: {url}",
        "no_season": "No award season has been announced yet. News is on the website: {site}",
        "consent": (
            "To vote we need your consent to process personal data: your phone number (kept only as an "
            "irreversible keyed hash) and the city you choose.\n\n"
            "Full text: {url}\n\n"
            "By pressing “I agree” you accept “{title}” (version {version})."
        ),
        "consent_accept": "✅ I agree",
        "consent_decline": "Not now",
        "consent_declined": "You cannot vote without the consent. Changed your mind? Press /start.",
        "consent_missing": "First we need your consent to process data: press /start.",
        "choose_city": (
            "Choose the city you live in. You can vote for candidates of your own city; the city cannot be "
            "changed after your first vote.\n\nYou can also type part of the name."
        ),
        "city_not_found": "No participating city matches “{query}”. Try again or choose from the list.",
        "city_matches": "Several cities match — choose yours:",
        "city_invalid": "This city does not take part in the season. Choose from the list.",
        "ask_contact": (
            "City: <b>{city}</b>.\n\n"
            "Now confirm your phone number: press the “📱 Share my phone number” button below. "
            "One number is one voter, on the website and here."
        ),
        "contact_button": "📱 Share my phone number",
        "contact_not_own": (
            "This is not your own number. We accept only yours: press the “📱 Share my phone number” button below."
        ),
        "contact_expected": "Press the “📱 Share my phone number” button below, or /cancel to stop.",
        "contact_unexpected": "To register, start with /start.",
        "registered": (
            "Done, your number is confirmed. You vote in <b>{city}</b>.\n"
            "You have {votes} {votes_word}: you can support up to {votes} different candidates of your city."
        ),
        "registered_partly_used": (
            "Done, your number is confirmed. You vote in <b>{city}</b>.\n"
            "This number has already voted on the website: votes left — {left} of {votes}."
        ),
        "registered_before": (
            "Done, your number is confirmed. You vote in <b>{city}</b>.\n"
            "Voting opens on {voting_open}: you will have {votes} {votes_word}."
        ),
        "registered_closed": (
            "Done, your number is confirmed, your city is <b>{city}</b>.\n"
            "Voting closed on {voting_close}: it is too late to vote. Results: /results"
        ),
        "already_registered": "You are registered: city <b>{city}</b>, votes left: {left} of {votes}.",
        "already_registered_before": "You are registered: city <b>{city}</b>. Voting opens on {voting_open}.",
        "already_registered_closed": (
            "You vote in <b>{city}</b>. Voting is over; your votes and receipts: /myvotes. Results: /results"
        ),
        "menu_prompt": "Candidates, your votes and the rules — on the buttons below.",
        "notify_ask": "Shall I tell you when the results are published?",
        "notify_yes": "🔔 Yes, tell me",
        "notify_no": "No, thanks",
        "notify_on": "Fine: I will send one message when the results are published. Turn off: /notify",
        "notify_off": "No notice about the results. Turn on: /notify",
        "menu_candidates": "👥 Candidates",
        "menu_myvotes": "🗳 My votes",
        "menu_rules": "📜 Rules",
        "card": "<b>{name}</b>\n{sphere}\n{position}, {workplace}\n\n{story}\n\n{index} of {total}",
        "card_prev": "◀",
        "card_next": "▶",
        "card_vote": "🗳 Support",
        "card_voted": "✅ You supported",
        "card_sphere": "Sphere: {sphere} ▾",
        "card_site": "🌐 Page on the website",
        "sphere_all": "all",
        "sphere_all_button": "All spheres",
        "sphere_back": "↩ Back",
        "no_candidates": "{city} has no published candidates yet.",
        "no_candidates_sphere": "{city} has no candidates in “{sphere}”. Choose another sphere.",
        "vote_confirm_toast": "Support {name}? Confirm with the button.",
        "vote_confirm": "✅ Yes, support",
        "vote_cancel": "✖ Cancel",
        "vote_accepted": (
            "✅ Your vote for <b>{name}</b> is counted.\n\n"
            "Receipt code: <code>{receipt}</code>\n"
            "Check that the vote is in the ledger: {url}\n\n"
            "Votes left: {left} of {votes}."
        ),
        "vote_accepted_toast": "Vote counted",
        "already_voted_toast": "You have already supported this candidate",
        "not_registered": "First register to vote: /start — it takes a minute.",
        "myvotes_empty": "You have not voted yet. Votes left: {left} of {votes}. Candidates: /candidates",
        "myvotes_empty_closed": "You did not vote in the {year} season. Results: /results",
        "myvotes_header_closed": "Your votes in the {year} season: {used} of {votes}. Voting is over.",
        "myvotes_header": "Your votes ({used} of {votes}), left: {left}.",
        "myvotes_item": "• <b>{name}</b>, {when}\n  receipt <code>{receipt}</code> — {url}",
        "myvotes_annulled": " (annulled)",
        "rules": (
            "<b>How to vote</b>\n"
            "• Residents of the atomic cities vote after confirming a phone number — on the website or here; "
            "one number is one voter.\n"
            "• Everyone has {votes} {votes_word}: at most one vote per candidate.\n"
            "{own_city}"
            "• Voting dates: from {voting_open} to {voting_close}.\n"
            "• Every vote goes into a public ledger; anyone holding the receipt code can check it on the website.\n\n"
            "Full rules: {url}"
        ),
        "rules_own_city": "• You can vote only for candidates of your own city.\n",
        "help": (
            "/start — start, registration\n"
            "/candidates — candidates of your city\n"
            "/myvotes — my votes and receipts\n"
            "/rules — voting rules\n"
            "/results — results (once published)\n"
            "/notify — notice about the results: on or off\n"
            "/cancel — cancel the current step\n\n"
            "The award's website: {site}"
        ),
        "results_hidden": (
            "Interim results are not public. Voting is open until {voting_close}; results: {results}. "
            "Turn on the notice and we will tell you: /notify"
        ),
        "results_before": "Voting has not started yet: it runs from {voting_open} to {voting_close}.",
        "results_checking": (
            "Voting closed on {voting_close}. The results of {city} are not published yet: the votes are being "
            "checked and the committee signs the protocol. Expected on {results}. We will tell you: /notify"
        ),
        "results_checking_late": (
            "The results of {city} are not published yet: the committee is preparing and signing the protocol. "
            "We will tell you when they are: /notify. Results of other cities: {url}"
        ),
        "results_header": "<b>Results: {city}</b>",
        "results_item": "{place}. {name} — {votes} {votes_word}",
        "results_none": "{city} has no votes yet.",
        "results_choose_city": "Your city's results appear here after you register: /start. All results: {url}",
        "results_published_header": "<b>Results of the people's vote: {city}</b>\n{title}",
        "results_laureates": "<b>Laureates</b>",
        "results_laureate": "{medal} place {place} — <b>{name}</b> ({sphere}): {votes} {votes_word}",
        "results_others": "<b>Other candidates</b>",
        "results_other": "{place}. {name} — {votes} {votes_word}",
        "results_more": "… and {count} more on the website.",
        "results_without_votes": "Without a valid vote: {count} {who}.",
        "results_no_laureates": "No laureates were named.",
        "results_void": "The city's vote was declared void: no laureates. Grounds: {reason}",
        "results_disqualified": "Disqualified: {names}.",
        "results_disqualified_male": "Disqualified: {names}.",
        "results_disqualified_female": "Disqualified: {names}.",
        "results_tie": "The committee settled a tie by the rule “{rule}”.",
        "results_protocol": "Protocol No. {number} (PDF): {url}",
        "results_page": "Details on the website: {url}",
        "cancelled": "Cancelled. Start again: /start",
        "nothing_to_cancel": "Nothing to cancel. Commands: /help",
        "error": "Something went wrong. Please try again a little later.",
        "unknown": "I did not understand. What I can do: /help",
        "stale": "This button is out of date. Open the list again: /candidates",
        "broadcast_results": (
            "The results of the «New Creators» people's award — {title} are published! Thank you for voting.\n\n{url}"
        ),
        "broadcast_city_results": (
            "The results of the «New Creators» people's award — {title} in {city} are published! "
            "Thank you for voting.\n\n{url}"
        ),
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang` with `values` filled in. Escape database values with `esc()` first."""
    template = TEXTS.get(lang, TEXTS[RU]).get(key) or TEXTS[RU][key]
    return template.format(**values) if values else template


def phase_title(phase: str, lang: str) -> str:
    return PHASES.get(lang, PHASES[RU]).get(phase, phase)
