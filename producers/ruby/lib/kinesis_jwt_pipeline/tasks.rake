# frozen_string_literal: true

require "json"
require "fileutils"

namespace :kinesis_jwt_pipeline do
  prerequisites = Rake::Task.task_defined?(:environment) ? [:environment] : []

  desc "Print the public JWKS the consumer needs (signing key + additional_public_keys, no private members)"
  task jwks: prerequisites do
    require "kinesis_jwt_pipeline"
    puts JSON.pretty_generate(KinesisJwtPipeline.public_jwks)
  end

  desc "Write a new private signing JWK to PATH (mode 0600) and print its public JWK: [ALG,KID,PATH]"
  task :generate_key, %i[alg kid path] do |_t, args|
    require "kinesis_jwt_pipeline"
    path = args[:path] or abort "usage: rake \"kinesis_jwt_pipeline:generate_key[ES256,kid-2026-01,config/kjp/signing-key.json]\""
    abort "#{path} exists: refusing to overwrite a key" if File.exist?(path)
    key = KinesisJwtPipeline::SigningKey.generate(alg: args[:alg] || "ES256", kid: args[:kid])
    FileUtils.mkdir_p(File.dirname(path))
    File.open(path, File::WRONLY | File::CREAT | File::EXCL, 0o600) { |f| f.write(JSON.pretty_generate(key.jwk)) }
    warn "private key written to #{path} (keep it out of git; kid #{key.kid})"
    puts JSON.pretty_generate(key.public_jwk)
  end
end
