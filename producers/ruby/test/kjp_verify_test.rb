# frozen_string_literal: true

require "test_helper"
require "open3"

# The other direction of the cross-language vectors: tokens signed by the gem (fresh ES256 and EdDSA keys,
# message inputs of test/vectors/valid.json so they pass the schemas too) are accepted by the TypeScript
# verifier, `kjp verify` (needs the CLI built: `npm run build`, which `npm ci` runs).
class KjpVerifyTest < Minitest::Test
  KJP = File.join(KinesisMock::REPO_ROOT, "bin", "kjp.js")
  VALID = JSON.parse(File.read(File.join(KinesisMock::REPO_ROOT, "test", "vectors", "valid.json")))
  AUD = VALID.dig("verifier", "audience")

  def kjp_verify(jwks_path, token)
    out, err, status = Open3.capture3("node", KJP, "verify", "--keys", "file:#{jwks_path}", "--issuer", "ruby-gem",
                                      "--audience", AUD, "--data", token)
    result = begin
      JSON.parse(out.lines.last.to_s)
    rescue JSON::ParserError
      flunk "kjp verify printed no JSON (exit #{status.exitstatus}): #{out}#{err}"
    end
    [status.exitstatus, result]
  end

  def test_tokens_signed_by_the_gem_pass_kjp_verify
    keys = [GemTestHelpers.es256_key, GemTestHelpers.eddsa_key]
    jwks_path = File.join(tmpdir, "jwks.json")
    File.write(jwks_path, JSON.generate("keys" => keys.map(&:public_jwk)))
    inputs = VALID["vectors"].map { |v| v["sign"] }.uniq { |s| [s["type"], s["v"]] }
    signed = keys.each_with_index.map do |key, i|
      s = inputs[i % inputs.size]
      envelope = KinesisJwtPipeline::Envelope.new(issuer: "ruby-gem", audience: AUD, signing_key: key, ttl: 7 * 86_400)
      [key, s, envelope.sign(s["type"], s["data"], partition_key: s["sub"] || "k", sub: s["sub"], v: s["v"])]
    end
    signed.each do |key, s, message|
      code, result = kjp_verify(jwks_path, message.token)
      assert_equal [0, "accepted"], [code, result["outcome"]], "#{key.alg} #{s['type']}: #{result.inspect}"
      assert_equal message.jti, result.dig("message", "jti")
      assert_equal({ "alg" => key.alg, "kid" => key.kid, "typ" => "kjp+jwt" }, result.dig("message", "header"))
    end

    header, payload, signature = signed.first.last.token.split(".")
    claims = JSON.parse(Base64.urlsafe_decode64(payload + ("=" * ((4 - (payload.length % 4)) % 4))))
    forged = Base64.urlsafe_encode64(JSON.generate(claims.merge("sub" => "someone-else")), padding: false)
    code, result = kjp_verify(jwks_path, [header, forged, signature].join("."))
    assert_equal [1, "rejected", "bad_signature"], [code, result["outcome"], result["reason"]]
  end
end
