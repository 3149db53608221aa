# Linli: two entry points for a newcomer.
#   make run   set everything up, then run Linli on SQLite with a demo city
#   make test  set everything up, then run the test suite (SQLite)
# Everything else here is plumbing those two share.

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The browser tests drive Debian's chromium (never a browser downloaded by a test tool);
# the CJK and emoji fonts make Chinese and the bot's emoji readable in their screenshots
# (and Chinese in the report's chart), as a phone shows them.
BROWSER := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
DEBIAN_PACKAGES := chromium fonts-wqy-zenhei fonts-noto-color-emoji
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
CATALOGS := $(wildcard bot/locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test

## run: install, compile translations, migrate, load the demo city, serve (web and bot)
run: $(INSTALLED) $(COMPILED)
	$(BIN)/linli db upgrade
	$(BIN)/linli demo
	$(BIN)/linli serve

## test: install, compile translations, run the tests
test: $(INSTALLED) $(COMPILED) $(BROWSER) $(CJK_FONT) $(EMOJI_FONT)
	$(BIN)/pytest

$(BIN)/python:
	python3 -m venv $(VENV)

# Re-installs whenever pyproject.toml (the dependency list) changes.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

# Babel catalogs: each .po kept in the repo compiles to its (ignored) .mo.
bot/locales/%/LC_MESSAGES/messages.mo: bot/locales/%/LC_MESSAGES/messages.po | $(INSTALLED)
	$(BIN)/pybabel compile -d bot/locales -D messages -l $*

$(BROWSER) $(CJK_FONT) $(EMOJI_FONT) &:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBIAN_PACKAGES) \
	    || ($(SUDO) apt-get update -q && \
	        $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBIAN_PACKAGES))
