# frozen_string_literal: true

module KinesisJwtPipeline
  # Delay before retrying a refused record: exponential from retry_base_delay, capped at retry_max_delay, times
  # a jitter in [0.5, 1) so that many processes throttled together do not retry in lockstep. Used by the
  # worker and by publish!.
  module Backoff
    module_function

    def jitter
      0.5 + (rand * 0.5)
    end

    def delay(config, attempts, jitter = self.jitter)
      [config.retry_base_delay * (2**(attempts - 1)), config.retry_max_delay].min * jitter
    end
  end
end
