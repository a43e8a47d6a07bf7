# frozen_string_literal: true

module KinesisJwtPipeline
  # Deadlines, lingers and backoffs are measured on the monotonic clock so a wall-clock jump (NTP, DST)
  # cannot shorten or stretch them.
  module MonotonicClock
    private

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
