# frozen_string_literal: true

require "test_helper"
require "open3"

class RakeTasksTest < Minitest::Test
  LIB = File.expand_path("../lib", __dir__)

  def rakefile(body)
    path = File.join(tmpdir, "Rakefile")
    File.write(path, <<~RUBY)
      $LOAD_PATH.unshift #{LIB.inspect}
      require "rake"
      require "kinesis_jwt_pipeline"
      #{body}
      load #{File.join(LIB, 'kinesis_jwt_pipeline/tasks.rake').inspect}
    RUBY
    path
  end

  def rake(path, task)
    out, err, status = Open3.capture3("rake", "-f", path, task, chdir: tmpdir)
    assert status.success?, "rake #{task} failed: #{err}"
    [out, err]
  end

  def test_jwks_prints_public_keys_only_including_rotation_keys
    old_key = KinesisJwtPipeline::SigningKey.generate(alg: "EdDSA", kid: "old")
    File.write(File.join(tmpdir, "key.json"), JSON.generate(GemTestHelpers.es256_key.jwk))
    File.write(File.join(tmpdir, "old.json"), JSON.generate(old_key.jwk)) # even a private file is stripped
    path = rakefile(<<~RUBY)
      KinesisJwtPipeline.configure do |c|
        c.stream_name = "s"; c.issuer = "i"; c.audience = "a"
        c.signing_key = File.join(__dir__, "key.json")
        c.additional_public_keys = [File.join(__dir__, "old.json")]
        c.kinesis_client = Object.new
        c.flush_at_exit = false
      end
    RUBY
    out, = rake(path, "kinesis_jwt_pipeline:jwks")
    jwks = JSON.parse(out)
    assert_equal [GemTestHelpers.es256_key.public_jwk, old_key.public_jwk], jwks["keys"]
    refute_includes out, GemTestHelpers.es256_key.jwk["d"]
    refute_includes out, old_key.jwk["d"]
  end

  def test_generate_key_writes_a_private_file_and_prints_the_public_half
    path = rakefile("")
    out, = rake(path, "kinesis_jwt_pipeline:generate_key[ES256,kid-new,keys/new.json]")
    file = File.join(tmpdir, "keys/new.json")
    assert_equal 0o600, File.stat(file).mode & 0o777
    key = KinesisJwtPipeline::SigningKey.load(file)
    assert_equal "kid-new", key.kid
    assert_equal key.public_jwk, JSON.parse(out)
  end
end
