# frozen_string_literal: true

require "socket"
require "tmpdir"

# A throwaway redis-server (Debian's package) for Sidekiq, started once per test process on a free port,
# in memory only, killed at exit.
module RedisServer
  class << self
    def url
      @url ||= start
    end

    private

    def start
      binary = ENV.fetch("KJP_REDIS_SERVER", "redis-server")
      path = ENV["PATH"].to_s.split(File::PATH_SEPARATOR).map { |d| File.join(d, binary) }.find { |f| File.executable?(f) }
      raise "redis-server not found: run producers/ruby/script/install-deps" unless path || File.executable?(binary)

      port = KinesisMock.free_port
      log = File.join(Dir.tmpdir, "kjp-ruby-redis-#{port}.log")
      pid = Process.spawn(binary, "--port", port.to_s, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          out: log, err: %i[child out], pgroup: true)
      owner = Process.pid
      at_exit do
        if Process.pid == owner
          Process.kill("KILL", pid) rescue nil # rubocop:disable Style/RescueModifier -- in memory: nothing to save
          Process.wait(pid) rescue nil # rubocop:disable Style/RescueModifier
        end
      end
      deadline = Time.now + 10
      begin
        TCPSocket.new("127.0.0.1", port).close
      rescue SystemCallError
        raise "redis-server exited early; see #{log}" if Process.waitpid(pid, Process::WNOHANG)
        raise "redis-server did not listen on #{port} within 10s; see #{log}" if Time.now > deadline

        sleep 0.02
        retry
      end
      "redis://127.0.0.1:#{port}/0"
    end
  end
end
