# frozen_string_literal: true

require "test_helper"

# The shared cross-language vectors (test/vectors/, written by the TypeScript side): every valid token
# verifies in Ruby; the gem, given the same inputs and keys, produces the same header and claims bytes
# (and, for deterministic EdDSA, the very same token); invalid tokens are refused with the same reason.
class VectorsTest < Minitest::Test
  DIR = File.join(KinesisMock::REPO_ROOT, "test", "vectors")

  def self.load(name)
    JSON.parse(File.read(File.join(DIR, name)))
  end

  VALID = load("valid.json")
  INVALID = load("invalid.json")
  PRIVATE_KEYS = load("private-keys.TEST-ONLY.json")["keys"].values

  def verifier_for(doc)
    cfg = doc["verifier"]
    issuers = cfg["issuers"].to_h { |i| [i["issuer"], self.class.load(i["jwks"])] }
    KinesisJwtPipeline::TokenVerifier.new(issuers: issuers, audience: cfg["audience"],
                                          clock_tolerance: cfg["clockToleranceSec"], max_lifetime: cfg["maxLifetimeSec"])
  end

  def test_every_valid_vector_verifies_in_ruby
    verifier = verifier_for(VALID)
    VALID["vectors"].each do |vec|
      header, claims = verifier.verify(vec["token"], now: VALID["now"])
      assert_equal vec["header"], header, vec["name"]
      assert_equal vec["claims"], claims, vec["name"]
    end
  end

  def test_the_gem_signs_the_same_bytes_as_the_typescript_signer
    VALID["vectors"].each do |vec|
      input = vec["sign"]
      jwk = PRIVATE_KEYS.find { |k| k["kid"] == vec["header"]["kid"] }
      key = KinesisJwtPipeline::SigningKey.new(jwk)
      envelope = KinesisJwtPipeline::Envelope.new(issuer: input["iss"], audience: input["aud"], signing_key: key,
                                                  ttl: input["ttlSeconds"])
      message = envelope.sign(input["type"], input["data"], partition_key: input["sub"] || "k", sub: input["sub"],
                                                            v: input["v"], now: input["now"], jti: input["jti"])
      assert_equal vec["token"].split(".")[0, 2], message.token.split(".")[0, 2], "#{vec['name']}: header.payload"
      assert_equal vec["token"], message.token, "#{vec['name']}: EdDSA is deterministic" if vec["deterministic"]
    end
  end

  def test_invalid_vectors_are_refused_with_the_same_reason
    verifier = verifier_for(INVALID)
    envelope_stage = INVALID["vectors"].select { |v| v["stage"] == "envelope" }
    refute_empty envelope_stage
    mismatched = envelope_stage.filter_map do |vec|
      verifier.verify(vec["token"], now: INVALID["now"])
      "#{vec['name']}: accepted"
    rescue KinesisJwtPipeline::VerificationError => e
      "#{vec['name']}: #{e.reason} instead of #{vec['reason']} (#{e.message})" unless e.reason == vec["reason"]
    end
    assert_empty mismatched
    covered = envelope_stage.map { |v| v["reason"] }.uniq
    assert_empty %w[malformed bad_signature expired] - covered, "the vectors cover the reasons the brief names"
  end
end
