#!/usr/bin/env bash
# Image gates, run by the pipeline's ImageGate CodeBuild action (src/synth/pipeline/steps/image-gate-step.ts).
#
# Build the image once, scan it with Trivy before it leaves the build host, push it under a
# candidate tag, wait for the ECR scan of the pushed digest, and only when both gates pass give
# that same digest the deployable tag (the commit id) that every stage runs. Tags are immutable,
# so the commit tag can only ever name the digest that passed. Last, wait until ECR has
# replicated that digest, under the commit tag, to every other region a stage runs in (stages
# pull from their own region); fail closed on a failed replication or on timeout.
#
# Provenance: just before it gives a digest the commit tag, the gate records that digest in
# s3://$PROVENANCE_BUCKET/$PROVENANCE_PREFIX<commit>.json (a prefix only the gate's role may write).
# A re-run for a commit whose tag exists reuses the tag only when that record names the digest the
# tag names now; a tag another principal pushed first has no record (or another digest), and the
# gate refuses it: RUNBOOKS.md "The image gate refuses an existing tag".
#
# Inputs (environment): REPOSITORY_URI, REPOSITORY_NAME, COMMIT_ID, AWS_REGION,
#   FAIL_ON (e.g. CRITICAL), FAIL_ON_FIXABLE (e.g. HIGH), ECR_SCAN_TIMEOUT_MINUTES,
#   GATE_CLI (bundled gate CLI, default cdk.out/.delivery-tools/supply-chain/gate-cli.js),
#   REPORTS_DIR (default gate-reports), CODEBUILD_BUILD_NUMBER,
#   ECR_SCAN_RECORDING (optional: replay recorded ECR scan responses instead of calling ECR;
#   for tests and for re-checking a saved scan while debugging),
#   REPLICATION_REGIONS (comma-separated destination regions; empty: no wait),
#   REPLICATION_TIMEOUT_MINUTES, REPLICATION_RECORDING (optional, as ECR_SCAN_RECORDING),
#   PROVENANCE_BUCKET, PROVENANCE_PREFIX (image-provenance/<repository>/), CODEBUILD_BUILD_ID.
# Outputs: $REPORTS_DIR/{trivy-image.json,trivy-config.json,sbom.cdx.json,trivy-junit.xml,image.json}
#   and $REPORTS_DIR/image-digest.txt (the promoted digest, alone). This script runs as a child
#   process of CodeBuild's shell, so a variable it exports dies with it: the buildspec reads
#   image-digest.txt into the exported variable IMAGE_DIGEST (src/synth/pipeline/steps/image-gate-step.ts).
set -euo pipefail

: "${REPOSITORY_URI:?REPOSITORY_URI is required}"
: "${REPOSITORY_NAME:?REPOSITORY_NAME is required}"
: "${COMMIT_ID:?COMMIT_ID is required}"
: "${AWS_REGION:?AWS_REGION is required}"
: "${PROVENANCE_BUCKET:?PROVENANCE_BUCKET is required}"
: "${PROVENANCE_PREFIX:?PROVENANCE_PREFIX is required}"
FAIL_ON=${FAIL_ON:-CRITICAL}
FAIL_ON_FIXABLE=${FAIL_ON_FIXABLE:-HIGH}
ECR_SCAN_TIMEOUT_MINUTES=${ECR_SCAN_TIMEOUT_MINUTES:-15}
REPLICATION_REGIONS=${REPLICATION_REGIONS:-}
REPLICATION_TIMEOUT_MINUTES=${REPLICATION_TIMEOUT_MINUTES:-15}
GATE_CLI=${GATE_CLI:-cdk.out/.delivery-tools/supply-chain/gate-cli.js}
REPORTS_DIR=${REPORTS_DIR:-gate-reports}
TRIVY_CACHE_DIR=${TRIVY_CACHE_DIR:-.trivycache}
REGISTRY=${REPOSITORY_URI%%/*}
CANDIDATE_TAG="candidate-${COMMIT_ID}-${CODEBUILD_BUILD_NUMBER:-0}"
PROVENANCE_KEY="${PROVENANCE_PREFIX}${COMMIT_ID}.json"
mkdir -p "$REPORTS_DIR"

# Thresholds as the gate CLI takes them (comma-separated lists -> repeated flags).
threshold_flags=()
for s in ${FAIL_ON//,/ }; do threshold_flags+=(--fail-on "$s"); done
for s in ${FAIL_ON_FIXABLE//,/ }; do threshold_flags+=(--fail-on-fixable "$s"); done

# Trivy's databases come from ECR Public mirrors (no GitHub Container Registry rate limits) and
# are cached between runs in $TRIVY_CACHE_DIR (a CodeBuild local cache path).
trivy_common=(--cache-dir "$TRIVY_CACHE_DIR" --quiet
  --db-repository public.ecr.aws/aquasecurity/trivy-db:2
  --java-db-repository public.ecr.aws/aquasecurity/trivy-java-db:1)

gate() { node "$GATE_CLI" "$@"; }

# Trivy: OS and library vulnerabilities and secrets in the image, misconfigurations in the
# Dockerfile. The allowlist is applied by our gate (not by Trivy), so the report keeps every
# finding and the gate can fail on expired allowlist entries.
trivy_gate() {
  local image=$1
  trivy image "${trivy_common[@]}" --scanners vuln,secret --image-config-scanners misconfig,secret \
    --list-all-pkgs --exit-code 0 \
    --format json --output "$REPORTS_DIR/trivy-image.json" "$image"
  trivy config "${trivy_common[@]}" --exit-code 0 --format json --output "$REPORTS_DIR/trivy-config.json" app/Dockerfile
  trivy convert --format cyclonedx --output "$REPORTS_DIR/sbom.cdx.json" "$REPORTS_DIR/trivy-image.json"
  trivy convert --format template --template "@/usr/local/share/trivy/junit.tpl" \
    --output "$REPORTS_DIR/trivy-junit.xml" "$REPORTS_DIR/trivy-image.json"
  # Run both gates before failing, so one run shows every blocking finding.
  local status=0
  gate trivy --report "$REPORTS_DIR/trivy-image.json" --allowlist .trivyignore.yaml "${threshold_flags[@]}" || status=$?
  gate trivy --report "$REPORTS_DIR/trivy-config.json" --allowlist .trivyignore.yaml "${threshold_flags[@]}" || status=$?
  return "$status"
}

ecr_gate() {
  local replay=()
  if [ -n "${ECR_SCAN_RECORDING:-}" ]; then replay=(--from-file "$ECR_SCAN_RECORDING" --poll-seconds 0); fi
  gate ecr "${replay[@]}" --repository "$REPOSITORY_NAME" --digest "$1" --region "$AWS_REGION" \
    --timeout-minutes "$ECR_SCAN_TIMEOUT_MINUTES" --trivy-report "$REPORTS_DIR/trivy-image.json" \
    --allowlist .trivyignore.yaml "${threshold_flags[@]}"
}

# Images in every region: the promoted digest, under the commit tag, in every stage region other
# than this one (ECR replication), before any wave may start.
replication_gate() {
  if [ -z "$REPLICATION_REGIONS" ]; then return 0; fi
  local replay=()
  if [ -n "${REPLICATION_RECORDING:-}" ]; then replay=(--from-file "$REPLICATION_RECORDING" --poll-seconds 0); fi
  gate replication "${replay[@]}" --repository "$REPOSITORY_NAME" --digest "$1" --tag "$COMMIT_ID" \
    --region "$AWS_REGION" --destinations "$REPLICATION_REGIONS" --timeout-minutes "$REPLICATION_TIMEOUT_MINUTES"
}

# Before reusing the commit tag: the gate's own record must name the digest the tag names now.
# No record (never promoted by this gate, or expired), an unreadable one, or another digest:
# fail closed, before any scan or deploy.
provenance_gate() {
  local record="$REPORTS_DIR/provenance.json"
  if ! aws s3api get-object --bucket "$PROVENANCE_BUCKET" --key "$PROVENANCE_KEY" "$record" > /dev/null; then
    echo "No provenance record s3://$PROVENANCE_BUCKET/$PROVENANCE_KEY for $REPOSITORY_NAME:$COMMIT_ID (= $1):" \
      "this gate has no record of promoting that tag, so another principal may have pushed it. Refusing to reuse it;" \
      "failing closed. See RUNBOOKS.md \"The image gate refuses an existing tag\"." >&2
    return 1
  fi
  gate provenance --record "$record" --repository "$REPOSITORY_NAME" --commit "$COMMIT_ID" --digest "$1"
}

# Record the digest about to be promoted (before the tag exists: a crash in between leaves a
# record and no tag, and the next run builds and records again).
record_provenance() {
  local record="$REPORTS_DIR/provenance.json"
  gate record --repository "$REPOSITORY_NAME" --commit "$COMMIT_ID" --digest "$1" --build "${CODEBUILD_BUILD_ID:-local}" > "$record"
  aws s3api put-object --bucket "$PROVENANCE_BUCKET" --key "$PROVENANCE_KEY" --body "$record" \
    --content-type application/json > /dev/null
}

digest_of_tag() {
  aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids "imageTag=$1" \
    --query 'imageDetails[0].imageDigest' --output text 2>/dev/null || true
}

record() {
  printf '{"commit":"%s","digest":"%s","candidateTag":"%s","deployableTag":"%s","repository":"%s"}\n' \
    "$COMMIT_ID" "$1" "$2" "$COMMIT_ID" "$REPOSITORY_URI" > "$REPORTS_DIR/image.json"
  printf '%s\n' "$1" > "$REPORTS_DIR/image-digest.txt"
  echo "IMAGE_DIGEST=$1"
}

aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$REGISTRY"

existing=$(digest_of_tag "$COMMIT_ID")
if [ -n "$existing" ] && [ "$existing" != "None" ]; then
  # A re-run for a commit that already passed: re-check the very digest the stages run, once
  # its provenance shows this gate promoted it.
  echo "Commit $COMMIT_ID is already deployable as $existing; checking its provenance, then re-running both gates on it."
  provenance_gate "$existing"
  trivy_gate "$REPOSITORY_URI@$existing"
  ecr_gate "$existing"
  replication_gate "$existing"
  record "$existing" ""
  exit 0
fi

docker build --pull \
  --build-arg "COMMIT_SHA=$COMMIT_ID" \
  --build-arg "BUILD_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --tag "$REPOSITORY_URI:$CANDIDATE_TAG" app

# Gate 1 before anything leaves the build host.
trivy_gate "$REPOSITORY_URI:$CANDIDATE_TAG"

docker push "$REPOSITORY_URI:$CANDIDATE_TAG"
digest=$(digest_of_tag "$CANDIDATE_TAG")
if [ -z "$digest" ] || [ "$digest" = "None" ]; then
  echo "Pushed $CANDIDATE_TAG but ECR reports no digest for it; failing closed." >&2
  exit 1
fi

# Gate 2: ECR scan-on-push of the pushed digest (waits, fails closed on timeout).
ecr_gate "$digest"

# Promote: the same manifest (same digest) gets the deployable tag, recorded first.
record_provenance "$digest"
manifest=$(aws ecr batch-get-image --repository-name "$REPOSITORY_NAME" --image-ids "imageDigest=$digest" \
  --query 'images[0].imageManifest' --output text)
media_type=$(aws ecr batch-get-image --repository-name "$REPOSITORY_NAME" --image-ids "imageDigest=$digest" \
  --query 'images[0].imageManifestMediaType' --output text)
aws ecr put-image --repository-name "$REPOSITORY_NAME" --image-tag "$COMMIT_ID" \
  --image-manifest "$manifest" --image-manifest-media-type "$media_type" > /dev/null
promoted=$(digest_of_tag "$COMMIT_ID")
if [ "$promoted" != "$digest" ]; then
  echo "Tag $COMMIT_ID points at $promoted, not the scanned $digest; failing closed." >&2
  exit 1
fi
# Drop the candidate tag from the promoted image: ECR lifecycle rules match an image through
# any of its tags, so while it also carried candidate-* the 14-day candidate rule would expire
# the very image every stage runs. Deleting one tag of an image keeps the image.
failures=$(aws ecr batch-delete-image --repository-name "$REPOSITORY_NAME" --image-ids "imageTag=$CANDIDATE_TAG" \
  --query 'length(failures)' --output text)
if [ "$failures" != "0" ]; then
  echo "Could not remove the tag $CANDIDATE_TAG from the promoted image; failing closed (it would expire)." >&2
  exit 1
fi
replication_gate "$digest"
record "$digest" "$CANDIDATE_TAG"
echo "Image gates passed: $REPOSITORY_URI:$COMMIT_ID = $digest"
