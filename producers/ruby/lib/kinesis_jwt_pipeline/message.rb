# frozen_string_literal: true

module KinesisJwtPipeline
  # One record on its way to Kinesis. Built on the caller thread with everything but the signature, so the
  # size check is exact before queueing while the (comparatively slow) signing happens on the worker.
  class Message
    attr_reader :partition_key, :signing_input, :type, :jti, :bytesize, :signer
    attr_accessor :attempts, :first_failure_at, :next_attempt_at, :last_error, :seq

    # Both supported algorithms produce 64 signature bytes = 86 base64url characters.
    SIGNATURE_CHARS = 86

    def initialize(partition_key:, signing_input:, type:, jti:, signer:, token: nil)
      @partition_key = partition_key
      @signing_input = signing_input
      @type = type
      @jti = jti
      @signer = signer
      @token = token
      token_size = token ? token.bytesize : signing_input.bytesize + 1 + SIGNATURE_CHARS
      @bytesize = partition_key.bytesize + token_size
      @attempts = 0
      @next_attempt_at = 0.0
    end

    # A message read back from the journal or the outbox is already signed.
    def self.signed(partition_key:, token:, type: nil, jti: nil)
      new(partition_key: partition_key, signing_input: nil, type: type, jti: jti, signer: nil, token: token)
    end

    # The JWS compact serialization. Signed once, on first need (normally the worker thread).
    def token
      @token ||= "#{@signing_input}.#{::Base64.urlsafe_encode64(@signer.sign(@signing_input), padding: false)}"
    end

    def signed?
      !@token.nil?
    end

    def to_journal
      { "pk" => @partition_key, "data" => token, "type" => @type, "jti" => @jti }
    end

    def self.from_journal(hash)
      signed(partition_key: hash.fetch("pk"), token: hash.fetch("data"), type: hash["type"], jti: hash["jti"])
    end
  end
end
