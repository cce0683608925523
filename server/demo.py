"""The demo office (id ``demo``) on the ``rosatom-2026`` norm profile.

Topics use the plain words of the standards (001:203 asks for no jargon: no «ЛС», no «ИПУ»).
"""
from __future__ import annotations

from .domain.schedule import WEEKDAYS

DEMO_PASSWORDS = {
    "admin": "admin-demo",
    "hall": "hall-demo",
    "head": "head-demo",
    **{f"op{i}": f"op{i}-demo" for i in range(1, 7)},
}
DEMO_PINS = {f"op{i}": f"{i}{i}{i}{i}" for i in range(1, 7)}

OPERATOR_NAMES = ["Иванова Мария Петровна", "Смирнов Алексей Игоревич", "Кузнецова Ольга Сергеевна",
                  "Попов Дмитрий Андреевич", "Васильева Анна Николаевна", "Соколов Игорь Викторович"]


def demo_definition(round_the_clock: bool = False) -> dict:
    """The whole demo office, in the format ``talon office import`` reads."""
    if round_the_clock:
        week = {d: {"open": "00:00", "close": "23:59"} for d in WEEKDAYS}
    else:
        hours = {"open": "08:00", "close": "20:00", "break": ["13:00", "14:00"]}
        week = {d: hours for d in WEEKDAYS[:5]}
        week["sat"] = {"open": "09:00", "close": "15:00"}
        week["sun"] = None
    services = [
        dict(id="consult", letter="А", name="Консультация", kind="consultation", client_type="individual",
             hint="Вопросы по счетам, оплате и показаниям счётчика", order=1),
        dict(id="cash", letter="Б", name="Оплата в кассе", kind="cash", client_type="any",
             hint="Оплатить электроэнергию наличными или картой", order=2),
        dict(id="consult_cash", letter="В", name="Консультация и оплата", kind="consultation_cash",
             client_type="individual", hint="Сначала разобраться со счётом, потом оплатить", order=3),
        dict(id="owner", letter="Г", name="Смена владельца", kind="reregistration", client_type="individual",
             hint="Переоформить договор на нового владельца", order=4,
             checklist=["Паспорт", "Документ о праве собственности", "Показания счётчика на день покупки"]),
        dict(id="instalment", letter="Д", name="Рассрочка платежа", kind="instalment", client_type="any",
             hint="Разделить долг на несколько платежей", order=5,
             checklist=["Паспорт", "Последний счёт за электроэнергию"]),
        dict(id="certificate", letter="Е", name="Справка об отсутствии долга", kind="certificate",
             client_type="any", hint="Получить справку, что долга за электроэнергию нет", order=6,
             checklist=["Паспорт"]),
        dict(id="contract", letter="Ж", name="Заключение договора", kind="contract", client_type="any",
             hint="Новый договор для дома или квартиры", order=7,
             checklist=["Паспорт", "Документ о праве собственности", "Документы от сетевой организации"]),
        dict(id="business", letter="К", name="Юридическим лицам и ИП", kind="consultation",
             client_type="business", hint="Договоры, счета и оплата для организаций", order=8),
    ]
    individual = {"consult": 2, "consult_cash": 2, "owner": 1, "instalment": 1, "certificate": 1, "contract": 1,
                  "cash": 1}
    windows = [
        dict(number=1, zone="Физические лица", services=individual),
        dict(number=2, zone="Физические лица", services=individual),
        dict(number=3, zone="Физические лица", services={**individual, "owner": 2, "contract": 2}),
        dict(number=4, zone="Касса", services={"cash": 2, "consult_cash": 1, "certificate": 1}),
        dict(number=5, zone="Касса", services={"cash": 2, "consult_cash": 1, "instalment": 2, "certificate": 2}),
        dict(number=6, zone="Юридические лица", services={"business": 2, "contract": 1, "cash": 1}),
    ]
    users = [
        dict(login="admin", name="Администратор системы", roles=["admin", "administrator", "head"]),
        dict(login="hall", name="Петрова Елена Викторовна", roles=["administrator"]),
        dict(login="head", name="Николаев Сергей Павлович", roles=["head"]),
    ] + [dict(login=f"op{i}", name=OPERATOR_NAMES[i - 1], roles=["operator"], pin=DEMO_PINS[f"op{i}"])
         for i in range(1, 7)]
    for u in users:
        u["password"] = DEMO_PASSWORDS[u["login"]]
    return {
        "office": {
            "id": "demo",
            "name": "Центр обслуживания клиентов на Ленина",
            "company": "Энергосбыт (демонстрация)",
            "address": "г. Энск, ул. Ленина, д. 1",
            "profile": "rosatom-2026",
            "schedule": {"tz": "Europe/Moscow", "week": week, "holidays": []},
            "texts": {
                "greeting": "Здравствуйте! Мы рады Вам помочь",
                "recording": "Ведётся аудио- и видеозапись",
                "phone": "8 800 000-00-00",
                "site": "energo.example",
                "farewell": "Рады, что Вы к нам обратились. Всего доброго!",
                "ticker": "Передать показания и оплатить счёт можно в личном кабинете на сайте и в мобильном "
                          "приложении. Администратор зала поможет выбрать услугу.",
            },
            "settings": {"policy": "norm-aware"},
        },
        "services": services,
        "windows": windows,
        "users": users,
    }
