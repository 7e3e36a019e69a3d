"""Child process of test_durability: writes cases until it is killed.

Usage: python _writer.py STORE_FOLDER USERNAME SEED, with the data key (hex) on stdin.

Opens the store with the raw data key, prints ``ready``, then loops forever over case
work done through ``CaseService``: register a case, edit its person, edit the case, add a
note. Each line is printed and flushed only after the call has returned, so a printed line
is an acknowledged change the store must still hold after a crash:

  case <case_id> <person_id>
  person <person_id> <field> <json value>
  case_edit <case_id> <field> <json value>
  note <case_id> <note_id>
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.user import Session
from app.services.cases import CaseService
from storage.vault import Vault

NATIONALITIES = ["NG", "CM", "SN", "CI", "ML", "GN", None]
FIRST_AR = ["أمينة", "فاطمة", "يوسف", "مريم", "إبراهيم"]


def main() -> None:
    folder, username, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    key = bytes.fromhex(sys.stdin.readline().strip())
    rng = random.Random(seed)
    store = Vault(folder).open_with_key(key)
    user = store.user_by_name(username)
    assert user is not None
    session = Session(user=user, device_id=store.device_id)
    service = CaseService(store)
    known = [row[0] for row in store.db.execute("SELECT id FROM cases")]
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    n = 0
    while True:
        n += 1
        tag = f"{seed}-{n}"
        roll = rng.random()
        if roll < 0.35 or not known:
            person = Person(new_id(), first_name=f"Writer{tag}", first_name_ar=rng.choice(FIRST_AR),
                            nationality=rng.choice(NATIONALITIES))
            case = service.register(session, person, border_post="TNG-MED")
            known.append(case.id)
            out.write(f"case {case.id} {person.id}\n")
        elif roll < 0.65:
            case_id = rng.choice(known)
            case = store.get(Case, case_id)
            old = store.get(Person, case.person_id)
            new = dataclasses.replace(old, second_name=f"Edit{tag}", nationality=rng.choice(NATIONALITIES),
                                      other_names=old.other_names[-2:] + (f"Alias{tag}",))
            service.update_person(session, case_id, new)
            out.write(f"person {old.id} prs_SecondName {json.dumps(new.second_name)}\n")
        elif roll < 0.8:
            case_id = rng.choice(known)
            office = f"Office {tag}"
            service.update_case(session, case_id, office=office)
            out.write(f"case_edit {case_id} hmy_Office {json.dumps(office)}\n")
        else:
            case_id = rng.choice(known)
            note = service.add_note(session, case_id, f"Note {tag}: " + "x" * rng.randint(10, 3000))
            out.write(f"note {case_id} {note.id}\n")
        out.flush()


if __name__ == "__main__":
    main()
