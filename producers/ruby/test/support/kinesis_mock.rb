# frozen_string_literal: true

require "socket"
require "securerandom"

# The real Kinesis emulator for the tests: ENV["KJP_KINESIS_ENDPOINT"] when the local stack runs one,
# otherwise kinesis-mock (npm kinesis-local, from the repo's node_modules) started once per test process.
module KinesisMock
  REPO_ROOT = File.expand_path("../../../..", __dir__)

  class << self
    def endpoint
      @endpoint ||= ENV["KJP_KINESIS_ENDPOINT"] || start
    end

    def client
      KinesisJsonClient.new(endpoint: endpoint)
    end

    # A new stream per test, so tests never see each other's records.
    def create_stream(prefix = "gem", shards: 1)
      name = "#{prefix}-#{SecureRandom.hex(4)}"
      client.create_stream(name, shards: shards)
      name
    end

    def free_port
      server = TCPServer.new("127.0.0.1", 0)
      server.addr[1]
    ensure
      server&.close
    end

    private

    def start
      main = File.join(REPO_ROOT, "node_modules/kinesis-local/main.js")
      raise "kinesis-mock not found at #{main}: run npm ci in #{REPO_ROOT}" unless File.exist?(main)

      port = free_port
      env = {
        "KINESIS_MOCK_PLAIN_PORT" => port.to_s, "KINESIS_MOCK_TLS_PORT" => free_port.to_s,
        "KINESIS_MOCK_CERT_PATH" => File.join(REPO_ROOT, "node_modules/kinesis-local/server.json"),
        "CREATE_STREAM_DURATION" => "10ms", "LOG_LEVEL" => "WARN"
      }
      log = File.join(Dir.tmpdir, "kjp-ruby-kinesis-mock-#{port}.log")
      pid = Process.spawn(env, "node", main, out: log, err: %i[child out], pgroup: true)
      owner = Process.pid
      at_exit do
        if Process.pid == owner
          Process.kill("KILL", pid) rescue nil # rubocop:disable Style/RescueModifier -- in-memory emulator: TERM takes ~30 s to drain, nothing to save
          Process.wait(pid) rescue nil # rubocop:disable Style/RescueModifier
        end
      end
      wait_for(port, pid, log)
      "http://127.0.0.1:#{port}"
    end

    def wait_for(port, pid, log)
      deadline = Time.now + 30
      loop do
        TCPSocket.new("127.0.0.1", port).close
        return
      rescue SystemCallError
        raise "kinesis-mock exited early; see #{log}" if Process.waitpid(pid, Process::WNOHANG)
        raise "kinesis-mock did not listen on #{port} within 30s; see #{log}" if Time.now > deadline

        sleep 0.05
      end
    end
  end
end
