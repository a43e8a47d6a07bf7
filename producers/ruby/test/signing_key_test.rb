# frozen_string_literal: true

require "test_helper"

# SigningKey.load's errors go to boot logs and error trackers: they must name the problem, never the key.
class SigningKeyTest < Minitest::Test
  KEY = GemTestHelpers.es256_key
  SECRET = KEY.jwk.fetch("d")

  # The whole error as a crash report would show it, causes included.
  def report(error)
    chain = []
    while error
      chain << "#{error.class}: #{error.message} #{error.respond_to?(:hint) ? error.hint : ''}"
      error = error.cause
    end
    chain.join("\n")
  end

  def assert_refused_without_the_secret(source, message)
    err = assert_raises(KinesisJwtPipeline::ConfigurationError) { KinesisJwtPipeline::SigningKey.load(source) }
    assert_match message, err.message
    refute_includes report(err), SECRET
    refute_includes report(err), SECRET[0, 12]
    err
  end

  def test_a_malformed_private_jwk_string_is_refused_without_echoing_it
    truncated = JSON.generate(KEY.jwk)[0..-3]
    assert_refused_without_the_secret(truncated, /signing key given as a JSON string is not valid JSON/)
    assert_refused_without_the_secret(truncated.sub(/"d":/, '"d" '), /not valid JSON/)
  end

  def test_a_malformed_private_jwk_file_is_refused_without_echoing_it
    path = File.join(tmpdir, "key.json")
    File.write(path, "#{JSON.generate(KEY.jwk)},")
    assert_refused_without_the_secret(path, /signing key file is not valid JSON/)
  end

  def test_a_key_text_taken_for_a_path_is_not_echoed_as_the_path
    err = assert_refused_without_the_secret(" \"#{JSON.generate(KEY.jwk)}\"", /cannot read the signing key file \(ENOENT\)/)
    assert_match(/one JSON JWK/, err.hint)
    missing = File.join(tmpdir, "nope.json")
    assert_refused_without_the_secret(missing, /cannot read the signing key file #{Regexp.escape(missing)} \(ENOENT\)/)
  end

  def test_an_unusable_private_key_is_refused_without_echoing_it
    assert_refused_without_the_secret(KEY.jwk.merge("x" => SECRET), /key test-es256: not a usable ES256 private key/)
    assert_refused_without_the_secret(KEY.jwk.merge("d" => SECRET[0, 20]), /d does not match the public x\/y/)
    eddsa = GemTestHelpers.eddsa_key.jwk
    err = assert_raises(KinesisJwtPipeline::ConfigurationError) do
      KinesisJwtPipeline::SigningKey.load(eddsa.merge("d" => KinesisJwtPipeline::SigningKey.b64("\x01" * 32)))
    end
    assert_match(/d does not match/, err.message)
    assert_refused_without_the_secret("[#{JSON.generate(KEY.jwk)}]", /not a JSON object/)
  end
end
