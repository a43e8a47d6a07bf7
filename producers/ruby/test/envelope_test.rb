# frozen_string_literal: true

require "test_helper"

class EnvelopeTest < Minitest::Test
  def envelope(key = GemTestHelpers.es256_key, validator: nil)
    KinesisJwtPipeline::Envelope.new(issuer: ISSUER, audience: AUDIENCE, signing_key: key, ttl: 7 * 86_400,
                                     schema_validator: validator)
  end

  def decode_part(part)
    JSON.parse(Base64.urlsafe_decode64(part + ("=" * ((4 - (part.length % 4)) % 4))))
  end

  def test_header_and_claims_are_exactly_the_contract
    now = 1_700_000_000
    m = envelope.sign("deal.stage_changed", { "stage" => "won", "amount" => 3 }, partition_key: "acc-1", sub: "acc-1", v: 2, now: now)
    header_b64, claims_b64, sig_b64 = m.token.split(".")
    assert_equal '{"alg":"ES256","kid":"test-es256","typ":"kjp+jwt"}', Base64.urlsafe_decode64(header_b64 + "=" * ((4 - header_b64.length % 4) % 4))
    claims = decode_part(claims_b64)
    assert_equal %w[iss aud iat exp jti type v data sub], claims.keys
    assert_equal ISSUER, claims["iss"]
    assert_equal AUDIENCE, claims["aud"]
    assert_equal now, claims["iat"]
    assert_equal now + 604_800, claims["exp"]
    assert_match(/\A[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z/, claims["jti"])
    assert_equal "deal.stage_changed", claims["type"]
    assert_equal 2, claims["v"]
    assert_equal({ "stage" => "won", "amount" => 3 }, claims["data"])
    assert_equal "acc-1", claims["sub"]
    assert_equal 64, Base64.urlsafe_decode64(sig_b64 + "=" * ((4 - sig_b64.length % 4) % 4)).bytesize, "ES256 is R||S, not DER"
    assert_equal m.token.bytesize + "acc-1".bytesize, m.bytesize, "size computed before signing is exact"
    verifier.verify(m.token, now: now)
  end

  def test_sub_is_left_out_when_not_given_and_eddsa_signs
    m = envelope(GemTestHelpers.eddsa_key).sign("contact.upserted", {}, partition_key: "k")
    header, claims = verifier(GemTestHelpers.eddsa_key).verify(m.token)
    assert_equal({ "alg" => "EdDSA", "kid" => "test-eddsa", "typ" => "kjp+jwt" }, header)
    refute claims.key?("sub")
    assert_equal 1, claims["v"]
  end

  def test_tampered_token_fails_verification
    m = envelope.sign("contact.upserted", { "a" => 1 }, partition_key: "k")
    parts = m.token.split(".")
    forged = Base64.urlsafe_encode64(JSON.generate(decode_part(parts[1]).merge("data" => { "a" => 2 })), padding: false)
    err = assert_raises(KinesisJwtPipeline::VerificationError) { verifier.verify([parts[0], forged, parts[2]].join(".")) }
    assert_equal "bad_signature", err.reason
  end

  def test_refuses_records_over_one_mebibyte_before_signing
    key = "k" * 10
    size = ->(n) { envelope.build("blob.stored", { "b" => "x" * n }, partition_key: key, now: 1).bytesize }
    lo = 0
    hi = 1_048_576
    while lo < hi # largest filler that still fits (build raises above the limit, so probe sizes directly)
      mid = (lo + hi + 1) / 2
      fits = begin
        size.call(mid) <= 1_048_576
      rescue KinesisJwtPipeline::MessageTooLargeError
        false
      end
      fits ? lo = mid : hi = mid - 1
    end
    ok = envelope.build("blob.stored", { "b" => "x" * lo }, partition_key: key, now: 1)
    assert_operator ok.bytesize, :<=, 1_048_576
    assert_operator ok.bytesize, :>, 1_048_576 - 4
    err = assert_raises(KinesisJwtPipeline::MessageTooLargeError) do
      envelope.build("blob.stored", { "b" => "x" * (lo + 3) }, partition_key: key, now: 1)
    end
    assert_match(/1048576/, err.message)
    assert_equal "message_too_large", err.code
  end

  def test_contract_violations_are_refused_with_clear_errors
    e = envelope
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("Deal.Changed", {}, partition_key: "k") }
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal", {}, partition_key: "k") }
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.changed", [], partition_key: "k") }
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.changed", {}, partition_key: "k", v: 0) }
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.changed", {}, partition_key: "") }
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.changed", {}, partition_key: "k" * 257) }
    assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.changed", {}, partition_key: "k", sub: "") }
  end

  def test_schema_validation_uses_exported_json_schemas
    dir = File.join(tmpdir, "schemas")
    FileUtils.mkdir_p(dir)
    File.write(File.join(dir, "deal.stage_changed.v1.json"), JSON.generate(
      "type" => "object", "required" => %w[dealId stage], "additionalProperties" => false,
      "properties" => { "dealId" => { "type" => "string", "minLength" => 1 }, "stage" => { "enum" => %w[open won lost] } }
    ))
    e = envelope(validator: KinesisJwtPipeline::SchemaValidator.new(dir))
    e.build("deal.stage_changed", { "dealId" => "d1", "stage" => "won" }, partition_key: "k")
    err = assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.stage_changed", { "dealId" => "", "stage" => "maybe" }, partition_key: "k") }
    assert_match(/data.dealId: shorter than 1/, err.message)
    assert_match(/data.stage: must be one of/, err.message)
    err = assert_raises(KinesisJwtPipeline::InvalidMessageError) { e.build("deal.unknown", {}, partition_key: "k") }
    assert_equal "unknown_type", err.code
  end

  def test_public_jwk_has_no_private_members_and_inspect_hides_them
    key = GemTestHelpers.es256_key
    refute key.public_jwk.key?("d")
    assert_equal %w[kty crv x y kid alg], key.public_jwk.keys
    refute_includes key.inspect, key.jwk["d"]
    reloaded = KinesisJwtPipeline::SigningKey.load(JSON.generate(key.jwk))
    assert_equal key.public_jwk, reloaded.public_jwk
  end

  def test_signing_key_errors_are_configuration_errors
    assert_raises(KinesisJwtPipeline::ConfigurationError) { KinesisJwtPipeline::SigningKey.load(GemTestHelpers.es256_key.public_jwk) }
    assert_raises(KinesisJwtPipeline::ConfigurationError) { KinesisJwtPipeline::SigningKey.load(File.join(tmpdir, "missing.json")) }
    assert_raises(KinesisJwtPipeline::ConfigurationError) { KinesisJwtPipeline::SigningKey.load(GemTestHelpers.es256_key.jwk.merge("alg" => "EdDSA")) }
  end
end
