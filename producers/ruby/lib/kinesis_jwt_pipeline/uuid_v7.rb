# frozen_string_literal: true

require "securerandom"

module KinesisJwtPipeline
  # RFC 9562 UUIDv7: time-ordered, so jti values sort by creation time in the ledger and in logs.
  module UuidV7
    module_function

    def generate(now_ms = Process.clock_gettime(Process::CLOCK_REALTIME, :millisecond))
      rand = SecureRandom.random_bytes(10).unpack("nnnN")
      format("%08x-%04x-%04x-%04x-%04x%08x",
             (now_ms >> 16) & 0xFFFF_FFFF, now_ms & 0xFFFF,
             0x7000 | (rand[0] & 0x0FFF), 0x8000 | (rand[1] & 0x3FFF), rand[2], rand[3])
    end
  end
end
