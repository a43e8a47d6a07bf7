# frozen_string_literal: true

module KinesisJwtPipeline
  # Base class: every error the gem raises on purpose. `code` is stable (same spirit as KjpError in the
  # TypeScript side), `hint` tells the developer what to do, `retryable` whether trying again can help.
  class Error < StandardError
    attr_reader :code, :hint

    def initialize(message = nil, code: nil, hint: nil, retryable: false)
      super(message)
      @code = code || self.class.default_code
      @hint = hint
      @retryable = retryable
    end

    def retryable?
      @retryable
    end

    def self.default_code
      "kjp_error"
    end
  end

  # Misconfiguration found at configure time or on first use: never retryable.
  class ConfigurationError < Error
    def self.default_code
      "configuration"
    end
  end

  # The message breaks the contract (type format, v, data not an object, schema): fix the caller.
  class InvalidMessageError < Error
    def self.default_code
      "invalid_message"
    end
  end

  # Partition key + token exceed the Kinesis 1 MiB record limit: refused before queueing.
  class MessageTooLargeError < InvalidMessageError
    def self.default_code
      "message_too_large"
    end
  end

  # The bounded queue is full under the :raise policy, or stayed full past block_timeout under :block.
  class QueueFullError < Error
    def self.default_code
      "queue_full"
    end
  end

  # publish after close, or a flush/close that did not finish within its deadline.
  class ClosedError < Error
    def self.default_code
      "closed"
    end
  end

  # publish! could not get every record acknowledged before its deadline.
  class DeliveryError < Error
    attr_reader :failed

    def initialize(message = nil, failed: [], **kw)
      super(message, retryable: true, **kw)
      @failed = failed
    end

    def self.default_code
      "delivery_failed"
    end
  end

  # Raised by TokenVerifier; `reason` uses the consumer's reason codes (lib/envelope/reasons.ts).
  class VerificationError < Error
    attr_reader :reason

    def initialize(reason, message)
      super(message, code: reason)
      @reason = reason
    end
  end
end
