#!/usr/bin/env python3
"""A short reference tracker for ToMi, the anchor of `pwmk-bench tomi`.

Replays every story with the perspective rules of PWMK's RoomsWorld (README, "Perspective tracking rules") and answers
its questions; prints the same JSON as `pwmk tomi eval --format json` so the two can be compared answer for answer.

Rules: agents in the same room see each other. Entering shows the agent and everyone then in the room where the room's
objects are; a move is seen by everyone in the room; "The O is in the C." by everyone in the container's room. An event
seen by the set W sets the belief of every chain of distinct agents of W up to the depth (default 2). A container
belongs to the room where it is first used: the actor's room for a move; for "The O is in the C." the room holding the
most agents (ties to the room of the agent who entered last; nobody in a room: the room entered last).
Memory: the object's first container; reality: its container now; first and second order: the chain's belief, if any.

Usage: reference_tracker.py STORIES [--trace TRACE] [--depth K]
"""
import itertools
import json
import re
import sys

N = r"([A-Za-z][A-Za-z0-9_]*)"
SENTENCES = [
    ("enter", re.compile(rf"^{N} entered the {N}\.$")),
    ("exit", re.compile(rf"^{N} exited the {N}\.$")),
    ("move", re.compile(rf"^{N} moved the {N} to the {N}\.$")),
    ("place", re.compile(rf"^The {N} is in the {N}\.$")),
    ("opinion", re.compile(rf"^{N} (?:likes|loves|hates|dislikes) the {N}\.?$")),
]
QUESTIONS = [
    ("memory", re.compile(rf"^Where was the {N} at the beginning\?$")),
    ("reality", re.compile(rf"^Where is the {N} really\?$")),
    ("first_order", re.compile(rf"^Where will {N} look for the {N}\?$")),
    ("second_order", re.compile(rf"^Where does {N} think that {N} searches for the {N}\?$")),
]


def parse(path):
    """Stories as lists of (line number, kind, groups, label)."""
    stories, story = [], None
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            number, _, text = line.partition(" ")
            if number == "1":
                story = []
                stories.append(story)
            if "\t" in text:
                question, label, _ = text.split("\t")
                for kind, rx in QUESTIONS:
                    m = rx.match(question)
                    if m:
                        story.append((line_no, kind, m.groups(), label, question))
                        break
                else:
                    sys.exit(f"{path}:{line_no}: unknown question form: {question!r}")
                continue
            for kind, rx in SENTENCES:
                m = rx.match(text)
                if m:
                    story.append((line_no, kind, m.groups(), None, None))
                    break
            else:
                sys.exit(f"{path}:{line_no}: unknown sentence form: {text!r}")
    return stories


def container_rooms(story):
    """The room of every container, as the first use decides it."""
    rooms, where, entries, last_entered = {}, {}, [], None
    for _, kind, g, _, _ in story:
        if kind == "enter":
            where[g[0]] = g[1]
            if g[0] in entries:
                entries.remove(g[0])
            entries.append(g[0])
            last_entered = g[1]
        elif kind == "exit":
            where.pop(g[0], None)
        elif kind == "move":
            rooms.setdefault(g[2], where.get(g[0]))
        elif kind == "place" and g[1] not in rooms:
            best, best_count = None, 0
            for agent in reversed(entries):
                room = where.get(agent)
                if room is not None:
                    count = sum(1 for r in where.values() if r == room)
                    if count > best_count:
                        best, best_count = room, count
            rooms[g[1]] = best or last_entered
    return rooms


def answer(story, depth):
    """(line, kind, question, label, answer) for every question of the story."""
    rooms = container_rooms(story)
    where, container, first, beliefs, out = {}, {}, {}, {}, []

    def seen(room, obj, value):
        present = [a for a, r in where.items() if r == room]
        for k in range(1, depth + 1):
            for chain in itertools.permutations(present, k):
                beliefs[chain, obj] = value

    for line_no, kind, g, label, question in story:
        if kind == "enter":
            where[g[0]] = g[1]
            for obj, c in container.items():
                if rooms[c] == g[1]:
                    seen(g[1], obj, c)
        elif kind == "exit":
            where.pop(g[0], None)
        elif kind == "move":
            first.setdefault(g[1], container.get(g[1], g[2]))
            container[g[1]] = g[2]
            seen(where[g[0]], g[1], g[2])
        elif kind == "place":
            container[g[0]] = g[1]
            first.setdefault(g[0], g[1])
            seen(rooms[g[1]], g[0], g[1])
        elif kind == "memory":
            out.append((line_no, kind, question, label, first.get(g[0])))
        elif kind == "reality":
            out.append((line_no, kind, question, label, container.get(g[0])))
        elif kind == "first_order":
            out.append((line_no, kind, question, label, beliefs.get(((g[0],), g[1]))))
        elif kind == "second_order":
            chain = (g[0], g[1])
            out.append((line_no, kind, question, label, beliefs.get((chain, g[2])) if len(chain) <= depth else None))
    return out


def main(argv):
    args = {"--trace": None, "--depth": "2"}
    paths = []
    i = 0
    while i < len(argv):
        if argv[i] in args:
            args[argv[i]] = argv[i + 1]
            i += 2
        else:
            paths.append(argv[i])
            i += 1
    if len(paths) != 1:
        sys.exit(__doc__)
    depth = int(args["--depth"])
    types = None
    if args["--trace"]:
        with open(args["--trace"], encoding="utf-8") as f:
            types = [line.rstrip("\n").split(",")[-2] for line in f if line.strip()]
    report = {"total": 0, "correct": 0, "by_type": {}, "disagreements": []}
    q = 0
    for index, story in enumerate(parse(paths[0]), 1):
        for line_no, kind, question, label, ans in answer(story, depth):
            qtype = types[q] if types else kind
            q += 1
            score = report["by_type"].setdefault(qtype, {"total": 0, "correct": 0})
            score["total"] += 1
            report["total"] += 1
            if ans == label:
                score["correct"] += 1
                report["correct"] += 1
            else:
                report["disagreements"].append({"story": index, "line": line_no, "type": qtype, "question": question,
                                                "label": label, "answer": ans})
    report["by_type"] = dict(sorted(report["by_type"].items()))
    print(json.dumps(report, separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1:])
